package com.bitville.apm.listener.tools;

import com.bitville.apm.shared.udp.SignedDatagram;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Command-line sender of one signed datagram (used by {@code scripts/send-udp}):
 * {@code --project P --key KEY [--host H] [--port N] [--file F | stdin] [--unsigned] [--time SECONDS]}.
 * The key may also come from {@code BITVILLE_UDP_KEY} so that it does not appear in the process list.
 */
public final class SendUdp {

  private SendUdp() {
  }

  public static void main(String[] args) throws IOException {
    Map<String, String> options = options(args);
    String project = options.get("project");
    String key = options.getOrDefault("key", System.getenv("BITVILLE_UDP_KEY"));
    boolean unsigned = options.containsKey("unsigned");
    if (project == null && !unsigned || key == null && !unsigned) {
      System.err.println("usage: send-udp --project P --key KEY [--host 127.0.0.1] [--port 8444] [--file F]"
          + " [--time UNIX_SECONDS] [--unsigned]   (body from --file or stdin; key also from BITVILLE_UDP_KEY)");
      System.exit(2);
    }
    byte[] body = options.containsKey("file") ? Files.readAllBytes(Path.of(options.get("file")))
        : System.in.readAllBytes();
    long seconds = options.containsKey("time") ? Long.parseLong(options.get("time"))
        : System.currentTimeMillis() / 1000;
    byte[] datagram = unsigned ? body : SignedDatagram.sign(project, seconds, body, SignedDatagram.keyOf(key));
    if (datagram.length > SignedDatagram.MAX_DATAGRAM_BYTES) {
      System.err.println("datagram of " + datagram.length + " bytes is over the UDP limit of "
          + SignedDatagram.MAX_DATAGRAM_BYTES);
      System.exit(1);
    }
    InetAddress host = InetAddress.getByName(options.getOrDefault("host", "127.0.0.1"));
    int port = Integer.parseInt(options.getOrDefault("port", "8444"));
    try (DatagramSocket socket = new DatagramSocket()) {
      socket.send(new DatagramPacket(datagram, datagram.length, host, port));
    }
    System.out.println("sent " + datagram.length + " bytes to " + host.getHostAddress() + ":" + port
        + (unsigned ? " (unsigned)" : " (signed for " + project + ")"));
  }

  private static Map<String, String> options(String[] args) {
    Map<String, String> options = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      String name = args[i].replaceFirst("^--", "");
      if (name.equals("unsigned")) {
        options.put(name, "true");
      } else if (i + 1 < args.length) {
        options.put(name, args[++i]);
      }
    }
    return options;
  }
}
