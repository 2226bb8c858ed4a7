package com.bitville.apm.listener.launcher;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The listener's generated certificate: an EC P-256 key in a PKCS#12 keystore made by the JDK's keytool
 * (no extra crypto library needed), valid for localhost, 127.0.0.1, ::1 and this host's name, plus the
 * certificate as PEM for agents to pin or trust. Generated once, reused afterwards.
 */
record SelfSignedCertificate(Path keystore, String password, Path certificatePem) {

  private static final long KEYTOOL_TIMEOUT_SECONDS = 60;

  static SelfSignedCertificate ensure(Path tlsDir) throws IOException {
    FirstStart.createPrivateDirectory(tlsDir);
    Path keystore = tlsDir.resolve("listener.p12");
    Path passwordFile = tlsDir.resolve("listener.p12.password");
    Path pem = tlsDir.resolve("listener-cert.pem");
    if (!Files.exists(keystore) || !Files.exists(passwordFile)) {
      Files.deleteIfExists(keystore);
      FirstStart.writePrivate(passwordFile, FirstStart.randomToken(24));
      keytool(List.of("-genkeypair", "-alias", "bitville", "-keyalg", "EC", "-groupname", "secp256r1",
          "-sigalg", "SHA256withECDSA", "-validity", "825", "-dname", "CN=" + hostName() + ", O=Bitville APM",
          "-ext", "SAN=dns:localhost,ip:127.0.0.1,ip:0:0:0:0:0:0:0:1,dns:" + hostName(),
          "-keystore", keystore.toString(), "-storetype", "PKCS12",
          "-storepass:file", passwordFile.toString(), "-keypass:file", passwordFile.toString()));
      Files.deleteIfExists(pem);
    }
    if (!Files.exists(pem)) {
      keytool(List.of("-exportcert", "-rfc", "-alias", "bitville", "-keystore", keystore.toString(),
          "-storepass:file", passwordFile.toString(), "-file", pem.toString()));
    }
    return new SelfSignedCertificate(keystore, Files.readString(passwordFile).trim(), pem);
  }

  private static void keytool(List<String> arguments) throws IOException {
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    List<String> command = new java.util.ArrayList<>();
    command.add(keytool.toString());
    command.addAll(arguments);
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    try {
      boolean finished = process.waitFor(KEYTOOL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      if (!finished || process.exitValue() != 0) {
        process.destroyForcibly();
        throw new IOException("keytool could not create the self-signed certificate: " + output.trim());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while creating the self-signed certificate", e);
    }
  }

  private static String hostName() {
    try {
      String name = InetAddress.getLocalHost().getHostName();
      return name.matches("[A-Za-z0-9.\\-]+") ? name : "localhost";
    } catch (IOException e) {
      return "localhost";
    }
  }
}
