"""The load test's traffic: anonymous visitors reading pages, companies matching experts, gap analysis.

Run by `bench/load_test.py`, which prepares the database and the server and writes the manifest this file
reads (`LOAD_MANIFEST`: tokens, ids and slugs to draw from). Every response must be a success: a 4xx or 5xx
counts as a failure, and the benchmark fails when there is one.

The mix, by share of users:
- visitors (5 of 11): home, groups, events, committees, organisations, the course catalogue with a free-text
  search, courses, the skills taxonomy search (page and API);
- companies (2 of 11): an organisation manager's API token asks for the ranked shortlist of one of their
  expertise requests (matching over every listed expert), and reads the request;
- gap analysis (3 of 11): the alliance office's API token asks for a synthetic worker's gap against a job
  role, and for the optimal training path closing it (an integer program over the catalogue);
- workers (1 of 11): log in through the form (CSRF token included) and open their own training path page.
"""

from __future__ import annotations

import json
import os
import random
import re

from locust import between, constant, task
from locust.contrib.fasthttp import FastHttpUser

MANIFEST = json.loads(open(os.environ["LOAD_MANIFEST"], encoding="utf-8").read())  # noqa: SIM115
WAIT = float(os.environ.get("LOAD_WAIT_S", "1.0"))  # mean think time; 0 = as fast as the server answers
WAIT_TIME = constant(0) if WAIT == 0 else between(WAIT / 2, WAIT * 1.5)


def pick(key: str) -> str:
    return str(random.choice(MANIFEST[key]))


class Visitor(FastHttpUser):
    weight = 5
    wait_time = WAIT_TIME

    @task(3)
    def home(self) -> None:
        self.client.get("/", name="page: home")

    @task(1)
    def groups(self) -> None:
        self.client.get("/groups", name="page: groups")

    @task(2)
    def group(self) -> None:
        self.client.get(f"/groups/{pick('groups')}", name="page: group")

    @task(2)
    def events(self) -> None:
        self.client.get("/events", name="page: events")

    @task(2)
    def event(self) -> None:
        self.client.get(f"/events/{pick('events')}", name="page: event")

    @task(1)
    def committee(self) -> None:
        self.client.get(f"/committees/{pick('committees')}", name="page: committee")

    @task(1)
    def organisation(self) -> None:
        self.client.get(f"/organisations/{pick('organisations')}", name="page: organisation")

    @task(3)
    def catalogue_search(self) -> None:
        self.client.get("/courses", params={"q": pick("search_terms")}, name="page: course search")

    @task(2)
    def course(self) -> None:
        self.client.get(f"/courses/{pick('courses')}", name="page: course")

    @task(2)
    def skills_page(self) -> None:
        self.client.get("/skills", params={"q": pick("search_terms")}, name="page: skill search")

    @task(2)
    def skills_api(self) -> None:
        self.client.get("/api/taxonomy/skills", params={"q": pick("search_terms")}, name="api: skill search")


class Company(FastHttpUser):
    weight = 2
    wait_time = WAIT_TIME

    def on_start(self) -> None:
        self.headers = {"Authorization": f"Bearer {MANIFEST['manager_token']}"}

    @task(4)
    def shortlist(self) -> None:
        self.client.get(f"/api/experts/requests/{pick('requests')}/shortlist", headers=self.headers,
                        name="api: expert shortlist")  # fmt: skip

    @task(1)
    def request(self) -> None:
        self.client.get(f"/api/experts/requests/{pick('requests')}", headers=self.headers,
                        name="api: expertise request")  # fmt: skip


class GapAnalysis(FastHttpUser):
    weight = 3
    wait_time = WAIT_TIME

    def on_start(self) -> None:
        self.headers = {"Authorization": f"Bearer {MANIFEST['office_token']}"}

    @task(3)
    def gap(self) -> None:
        self.client.get(f"/api/people/{pick('persons')}/gap", params={"role": pick("roles")},
                        headers=self.headers, name="api: gap analysis")  # fmt: skip

    @task(2)
    def path(self) -> None:
        self.client.post(f"/api/people/{pick('persons')}/path?role={pick('roles')}", json={},
                         headers=self.headers, name="api: training path")  # fmt: skip


class Worker(FastHttpUser):
    weight = 1
    wait_time = WAIT_TIME

    def on_start(self) -> None:
        form = self.client.get("/login", name="page: login form")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text or "")
        self.client.post("/login", data={"email": MANIFEST["worker_email"], "password": MANIFEST["password"],
                                         "csrf_token": token.group(1) if token else "", "next": "/my/path"},
                         name="form: log in")  # fmt: skip

    @task(3)
    def my_path(self) -> None:
        self.client.get("/my/path", params={"role": pick("roles")}, name="page: my training path")

    @task(1)
    def account(self) -> None:
        self.client.get("/account", name="page: account")
