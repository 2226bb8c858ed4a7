package com.bitville.apm.listener.query;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.openqa.selenium.JavascriptExecutor;

/** The browser tests' check that a page is not wider than the window and no table or panel wider than its box. */
final class NoOverflow {

  private NoOverflow() {
  }

  static void check(JavascriptExecutor js, String view) {
    long page = (Long) js.executeScript(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth");
    assertTrue(page <= 0, view + ": the page scrolls sideways by " + page + " px");
    @SuppressWarnings("unchecked")
    List<String> wide = (List<String>) js.executeScript("return [...document.querySelectorAll('table, .panel, .chart')]"
        + ".filter(e => e.getBoundingClientRect().width > 0)"
        + ".filter(e => e.scrollWidth > e.clientWidth + 1 || e.getBoundingClientRect().right > "
        + "(e.closest('.panel') && e.closest('.panel') !== e ? e.closest('.panel').getBoundingClientRect().right + 1"
        + " : document.documentElement.clientWidth + 1))"
        + ".map(e => (e.id || e.className) + ' ' + Math.round(e.getBoundingClientRect().width) + '/' + e.scrollWidth)");
    assertTrue(wide.isEmpty(), view + ": wider than their box at 1024 px: " + wide);
  }

  /** The check is not blind: a box wider than the window, put into the page's first panel, is reported. */
  static void assertCaught(JavascriptExecutor js, String view) {
    js.executeScript("const probe = document.createElement('div'); probe.id = 'overflow-probe';"
        + " probe.style.width = '1400px'; probe.style.height = '1px';"
        + " document.querySelector('#main .panel').append(probe);");
    try {
      AssertionError caught = assertThrows(AssertionError.class, () -> check(js, view + " with a 1400 px box"),
          "the check reports a box wider than its panel");
      assertTrue(caught.getMessage().contains("wider than their box") || caught.getMessage().contains("scrolls sideways"),
          caught.getMessage());
    } finally {
      js.executeScript("document.getElementById('overflow-probe').remove();");
    }
  }
}
