"""Locust users for ``bench/portal_load.py``: employees and caseworkers on the service portal.

Not run on its own: ``portal_load.py`` prepares the sessions, case numbers, services and
search words in the database, writes them to the JSON file named by ``KS_LOAD_DATA`` and
starts ``locust --headless`` with this file against the production server (gunicorn).

Every user is logged in through a Django session (created with Django's session machinery in
the setup, as a login would) and talks to the server as the TLS-terminating proxy does
(``X-Forwarded-Proto: https``), so the production settings (secure cookies, CSRF with origin
check) apply unchanged. Each user sends at a constant rate (``KS_LOAD_RATE`` requests per
second per user): the offered load is fixed, and a slow server shows as lower throughput and
higher latency, not as a quietly smaller load.

Request names (one line each in the report):
  employee: my cases, open case, reply, new-case form, create case, search
  caseworker: queue list, open case, reply / note, search
  baseline: the login page (anonymous; renders a template, reads no business data)
"""

from __future__ import annotations

import itertools
import json
import os
import random
import time
import urllib.parse
from pathlib import Path
from typing import Any

from locust import FastHttpUser, constant_throughput, events, task

DATA: dict[str, Any] = json.loads(Path(os.environ["KS_LOAD_DATA"]).read_text(encoding="utf-8"))
RATE = float(os.environ.get("KS_LOAD_RATE", "5"))
_serial = itertools.count(1)
_samples: list[dict[str, Any]] = []
_started: list[float] = []


@events.test_start.add_listener
def _on_start(**_kwargs: Any) -> None:
    _started.append(time.time())


@events.request.add_listener
def _on_request(name: str, response_time: float, exception: Any, **_kwargs: Any) -> None:
    _samples.append(
        {
            "name": name,
            "ms": response_time,
            "t": time.time(),
            "ok": exception is None,
            "error": "" if exception is None else str(exception)[:200],
        }
    )


@events.quitting.add_listener
def _on_quit(**_kwargs: Any) -> None:
    """Every request's time for ``portal_load.py`` (exact percentiles, warm-up cut off)."""
    path = os.environ.get("KS_LOAD_OUT")
    if path:
        with open(path, "w", encoding="utf-8") as out:
            json.dump({"started": _started[0] if _started else 0, "samples": _samples}, out)


class PortalUser(FastHttpUser):
    abstract = True
    wait_time = constant_throughput(RATE)
    # Proxy headers as in production behind TLS; the origin satisfies Django's CSRF check.
    default_headers = {"X-Forwarded-Proto": "https", "Accept-Language": "da"}

    def on_start(self) -> None:
        host = self.host.split("://", 1)[1].split("/", 1)[0]
        self.origin = f"https://{host}"
        # The cookies go in a header of their own: the client's cookie jar would drop them
        # (they are Secure, and locust talks plain HTTP to the server as the proxy does).
        self.client.client.cookiejar = None
        self.cookies = ""

    def login_as(self, session_key: str) -> None:
        self.cookies = f"sessionid={session_key}; csrftoken={DATA['csrf']}"

    def get(self, url: str, name: str, expect: int = 200) -> None:
        with self.client.get(
            url,
            name=name,
            headers={"Cookie": self.cookies} if self.cookies else None,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != expect:
                response.failure(f"{url}: {response.status_code}")

    def post(self, url: str, name: str, data: dict[str, str], expect: int = 302) -> None:
        data = {**data, "csrfmiddlewaretoken": DATA["csrf"]}
        with self.client.post(
            url,
            data=data,
            name=name,
            headers={"Cookie": self.cookies, "Origin": self.origin, "Referer": self.origin + url},
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != expect:
                response.failure(f"POST {url}: {response.status_code}")
            elif "/login/" in (response.headers.get("Location") or ""):
                response.failure(f"POST {url}: sent to the login page")


class Employee(PortalUser):
    weight = 50

    def on_start(self) -> None:
        super().on_start()
        self.me = random.choice(DATA["employees"])
        self.login_as(self.me["session"])

    @task(15)
    def my_cases(self) -> None:
        self.get("/portal/mine/", "employee: my cases")

    @task(15)
    def open_case(self) -> None:
        number = random.choice(self.me["cases"])
        self.get(f"/portal/sager/{number}/", "employee: open case")

    @task(5)
    def reply(self) -> None:
        if not self.me["open"]:
            return self.my_cases()
        number = random.choice(self.me["open"])
        body = f"Tak. Her er de oplysninger, I bad om (belastningstest {next(_serial)})."
        self.post(f"/portal/sager/{number}/svar/", "employee: reply", {"body": body})
        return None

    @task(3)
    def create_case(self) -> None:
        service = random.choice(DATA["services"])
        url = f"/portal/ny/{service['code']}/"
        self.get(url, "employee: new-case form")
        title = random.choice(DATA["titles"])
        form = {
            "title": f"{title} (belastningstest)",
            "description": "Jeg har brug for hjælp. Oprettet af belastningstesten.",
            **{f"answers.{k}": v for k, v in service["answers"].items()},
        }
        self.post(url, "employee: create case", form)

    @task(5)
    def search(self) -> None:
        term = random.choice(DATA["search_terms"])
        self.get(f"/portal/soeg/?q={urllib.parse.quote(term)}", "employee: search")


class Caseworker(PortalUser):
    weight = 45

    def on_start(self) -> None:
        super().on_start()
        self.login_as(DATA["worker"]["session"])

    @task(20)
    def queue_list(self) -> None:
        code = random.choice(DATA["worker"]["queues"])
        variant = random.choice(DATA["queue_variants"])
        self.get(f"/portal/koeer/{code}/{variant}", "caseworker: queue list")

    @task(15)
    def open_case(self) -> None:
        number = random.choice(DATA["worker"]["cases"])
        self.get(f"/portal/sager/{number}/", "caseworker: open case")

    @task(5)
    def reply(self) -> None:
        number = random.choice(DATA["worker"]["open"])
        kind = random.choice(("reply", "note"))
        body = f"Vi ser på sagen (belastningstest {next(_serial)})."
        self.post(
            f"/portal/sager/{number}/svar/", "caseworker: reply/note", {"body": body, "kind": kind}
        )

    @task(5)
    def search(self) -> None:
        term = random.choice(DATA["search_terms"])
        self.get(f"/portal/soeg/?q={urllib.parse.quote(term)}", "caseworker: search")


class Baseline(PortalUser):
    """Anonymous visitor on the login page: the same server, no business data."""

    weight = 5

    @task
    def login_page(self) -> None:
        self.get("/login/", "baseline: login page")
