"""``ks demo``: migrate, build the demo municipality once, print the demo users, serve."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from koncernservice.core.management.base import KsCommand
from koncernservice.core.management.commands.serve import serve
from koncernservice.core.models import Role
from koncernservice.demo.data import DEMO_PASSWORD
from koncernservice.demo.services import DEFAULT_SCALE, DemoSummary, demo_build, format_scale


class Command(KsCommand):
    help = (
        "Build the demo municipality (a synthetic Copenhagen) in an empty database, print the "
        "demo users and serve the platform. Scale 1 = 45,000 employees."
    )
    acts_as_user = False

    def add_command_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale",
            default=str(DEFAULT_SCALE),
            help="Size relative to Copenhagen (default 0.02 = 900 employees).",
        )
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument(
            "--no-serve", action="store_true", help="Build and print, but do not start the server."
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete the demo data and build again (only in a demo database).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        super().handle(*args, **options)  # exits on a refused build
        if not options["no_serve"]:
            self.stdout.flush()
            call_command("collectstatic", interactive=False, verbosity=0)
            serve(options["host"], options["port"], workers=2)

    def run(self, **options: Any) -> tuple[dict[str, Any], str]:
        call_command("migrate", interactive=False, verbosity=0)
        summary = demo_build(scale=options["scale"], reset=options["reset"])
        url = f"http://{options['host']}:{options['port']}/"
        return {**summary.as_dict(), "url": url}, render(summary, url)


def render(summary: DemoSummary, url: str) -> str:
    """The human report: what was built and a table of the demo users."""
    counts = {**summary.counts, "scale": format_scale(summary.scale)}
    if summary.built:
        head = (
            _(
                "The demo municipality has been built at scale %(scale)s: %(units)d units, "
                "%(employees)d employees, %(employments)d employments."
            )
            % counts
        )
    else:
        head = (
            _(
                "The demo municipality already exists at scale %(scale)s (%(units)d units, "
                "%(employees)d employees); nothing was built."
            )
            % counts
        )
    header = (_("Username"), _("Password"), _("Roles"), _("Unit"))
    rows = [
        (
            user.username,
            user.password,
            ", ".join(str(Role(role).label) for role in user.roles),
            user.unit,
        )
        for user in summary.users
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True))

    table = [line(header), line(tuple("-" * w for w in widths)), *(line(row) for row in rows)]
    return "\n".join(
        [
            head,
            "",
            _("Demo users (the same password for all: %(password)s):")
            % {"password": DEMO_PASSWORD},
            "",
            *(f"  {row}".rstrip() for row in table),
            "",
            _(
                "Open %(url)s and log in as one of them. The users and the password exist only in "
                "this demo database."
            )
            % {"url": url},
        ]
    )
