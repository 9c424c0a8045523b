"""axe-core in the browser tests: the accessibility check every page gets."""

from pathlib import Path

from django.conf import settings

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"


def serious_accessibility_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page as it stands (open it with
    ``new_page(bypass_csp=True)``: the site's CSP rightly refuses the injected script)."""
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        "async () => (await axe.run(document)).violations"
        ".filter(v => ['serious', 'critical'].includes(v.impact))"
        ".map(v => `${v.id}: ${v.help} (${v.nodes.length}) ${v.nodes[0].target}`)"
    )
