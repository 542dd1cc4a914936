"""browser_test: a site that follows the demo page's test contract, checked in headless Chromium."""

def browser_test(name, site, expected, **kwargs):
    """The page of `site` (a static_site) in Chromium, compared with TensorFlow's logits.

    Args:
      name: the test's name.
      site: a static_site whose page publishes window.rulesTfjsDemo (README, "The web example").
      expected: JSON with TensorFlow's outputs for the page's image ({"outputs": {"output_0": ...}}).
      **kwargs: passed to the sh_test (tags, size, ...).
    """
    playwright = "@tfjs_npm_dev//:node_modules/playwright-core/package.json"
    native.sh_test(
        name = name,
        srcs = [Label("//tests/js:node_test.sh")],
        args = [
            "$(rootpath %s)" % playwright,
            "$(rootpath %s)" % Label(":browser_test.js"),
            "$(rootpath %s)" % site,
            "$(rootpath %s)" % expected,
        ],
        data = [
            Label(":browser_test.js"),
            Label(":chromium.js"),
            Label(":server.js"),
            expected,
            playwright,
            site,
            "@tfjs_npm_dev//:node_modules",
        ],
        **kwargs
    )
