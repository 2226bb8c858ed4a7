package com.bitville.apm.listener.tools;

import com.bitville.apm.listener.query.Passwords;
import java.io.BufferedReader;
import java.io.Console;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * {@code scripts/hash-password}: reads a password (from the terminal without echo, or one line of stdin) and
 * prints its bcrypt hash for the {@code users} section of the configuration.
 */
public final class HashPassword {

  private HashPassword() {
  }

  public static void main(String[] args) throws Exception {
    int cost = args.length > 0 ? Integer.parseInt(args[0]) : Passwords.DEFAULT_COST;
    char[] password;
    Console console = System.console();
    if (console != null) {
      password = console.readPassword("Password: ");
      char[] again = console.readPassword("Again:    ");
      if (!java.util.Arrays.equals(password, again)) {
        System.err.println("The passwords differ.");
        System.exit(1);
      }
    } else {
      String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
      password = line == null ? new char[0] : line.toCharArray();
    }
    if (password.length < 10) {
      System.err.println("Use at least 10 characters.");
      System.exit(1);
    }
    System.out.println(Passwords.hash(password, cost));
  }
}
