"""The simulated users of `manage.py loadtest`. bench/load.py prepares the plan this file reads
(LOADTEST_PLAN: accounts, tokens, sessions, think times) and reads back every request made
(LOADTEST_SAMPLES). Not meant to be started by hand: it needs the plan, and the plan's tokens.

Three kinds of user, each on its own account (the API throttle counts per token):

* 办事员 (a department's clerk) edits the 备注 of one of its own projects or open milestones, the way
  the web form and the API document it: GET for the ETag, PATCH with If-Match. A 412 means someone
  else wrote in between: the clerk reads again and writes again, and only a second 412 is a failure.
* 包保领导 looks at its lists in turn: its overdue list, its projects, its 我的清单 page (a browser
  session, not a token).
* 同步系统 (another system) pulls the project ledger incrementally: from an updated_since, following
  the cursor's next pages, a few pages per pull, resuming from the saved cursor next time, and once
  caught up, asking again from the newest change it has seen.
"""

from __future__ import annotations

import json
import os
import random
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from locust import FastHttpUser, between, events, task

PLAN = json.loads(Path(os.environ["LOADTEST_PLAN"]).read_text(encoding="utf-8"))
# [name, account, start (epoch s), response time (ms), ok, error]
SAMPLES: list[list] = []
_accounts = {role: iter(accounts) for role, accounts in PLAN["accounts"].items()}
MARK = " 〔压测"


@events.request.add_listener
def _record(name, response_time, exception, context, start_time=None, **kwargs) -> None:
    error = None if exception is None else f"{type(exception).__name__}: {exception}"[:300]
    SAMPLES.append([name, (context or {}).get("account", ""), start_time, round(response_time, 2), exception is None, error])


@events.quitting.add_listener
def _write(environment, **kwargs) -> None:
    errors = [{"msg": e["msg"][:300], "count": e["count"]} for e in environment.runner.exceptions.values()] if environment.runner else []
    payload = {"samples": SAMPLES, "task_errors": errors}
    Path(os.environ["LOADTEST_SAMPLES"]).write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")


def _why(response) -> str:
    body = (response.text or "").replace("\n", " ")[:200] if response.content else ""
    return f"HTTP {response.status_code}: {body}"


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def _marked(remarks: str, who: str) -> str:
    """The remarks with this run's mark replaced: a real change each time, the original text kept."""
    return f"{remarks.split(MARK)[0]}{MARK} {who} {time.strftime('%H:%M:%S')}〕"


def _json(response) -> dict | None:
    try:
        return response.json()
    except ValueError:
        response.failure(f"不是 JSON：{_why(response)}")
        return None


class _Simulated(FastHttpUser):
    abstract = True
    role = ""

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        # Each kind's head count and think time come from the plan (MIX and WAITS in bench/load.py).
        cls.fixed_count = PLAN["counts"][cls.role]
        cls.wait_time = between(*PLAN["waits"][cls.role])

    def on_start(self) -> None:
        try:
            self.account = next(_accounts[self.role])
        except StopIteration:
            raise RuntimeError(f"计划里的 {self.role} 账号不够") from None
        self.token = {"Authorization": f"Token {self.account['token']}"}
        self.turn = self.account.get("n", 0)

    def context(self) -> dict:
        account = getattr(self, "account", None)
        return {"account": account["username"]} if account else {}

    def get_json(self, path: str, name: str) -> dict | None:
        with self.client.get(path, headers=self.token, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(_why(response))
                return None
            return _json(response)


class Clerk(_Simulated):
    role = "clerk"

    @task
    def edit(self) -> None:
        # Projects and milestones in turn, so that a short run still does both.
        self.turn += 1
        if self.turn % 2:
            self.edit_remarks("projects", random.choice(self.account["projects"]), "project")  # noqa: S311 - not crypto
        else:
            self.edit_remarks("milestones", random.choice(self.account["milestones"]), "milestone")  # noqa: S311

    def edit_remarks(self, resource: str, pk: int, kind: str) -> None:
        path = f"/api/v1/{resource}/{pk}/"
        for attempt in range(2):
            with self.client.get(path, headers=self.token, name=f"{kind}_read", catch_response=True) as read:
                if read.status_code != 200:
                    read.failure(_why(read))
                    return
                data = _json(read)
                etag = read.headers.get("ETag")
                if data is None:
                    return
                if not etag:
                    read.failure("响应没有 ETag")
                    return
            body = {"remarks": _marked(data.get("remarks") or "", self.account["username"])}
            headers = {**self.token, "If-Match": etag}
            with self.client.request("PATCH", path, json=body, headers=headers, name=f"{kind}_patch", catch_response=True) as write:
                if write.status_code == 200:
                    write.success()
                    return
                if write.status_code == 412 and attempt == 0:
                    # Someone wrote between our read and our write: counted apart, read again.
                    write.request_meta["name"] = "write_conflict"
                    write.success()
                    continue
                write.failure(_why(write))
                return


class Leader(_Simulated):
    role = "leader"

    @task
    def look(self) -> None:
        # The three lists in turn; each leader starts at another one.
        step = self.turn % 3
        self.turn += 1
        leader = self.account["leader_id"]
        if step == 0:
            data = self.get_json(f"/api/v1/overdue/?leader={leader}", "leader_overdue")
        elif step == 1:
            data = self.get_json(f"/api/v1/projects/?leader={leader}", "leader_projects")
        else:
            self.my_list()
            return
        if data is not None and "results" not in data:
            raise RuntimeError("列表响应没有 results")

    def my_list(self) -> None:
        cookie = {"Cookie": f"{PLAN['session_cookie']}={self.account['session']}"}
        # No redirects: a lost session would end on the login page with a 200.
        with self.client.get("/my/", headers=cookie, name="leader_mylist", allow_redirects=False, catch_response=True) as page:
            if page.status_code != 200:
                page.failure(_why(page))
            elif "清单" not in page.text:
                page.failure("页面里没有“清单”")


class SyncSystem(_Simulated):
    role = "sync"

    def on_start(self) -> None:
        super().on_start()
        self.since = self.account["since"]
        self.next_path: str | None = None

    @task
    def pull(self) -> None:
        if self.next_path:
            path, name = self.next_path, "sync_next"
        else:
            path, name = "/api/v1/projects/sync/?" + urlencode({"updated_since": self.since}), "sync_since"
        for _ in range(PLAN["max_pages"]):
            data = self.get_json(path, name)
            if data is None:
                self.next_path = None
                return
            live = [item["updated_at"] for item in data["results"] if "updated_at" in item]
            if live:
                # Ordered by (updated_at, id): the last live row is the newest seen so far.
                self.since = live[-1]
            if not data.get("next"):
                self.next_path = None
                return
            path, name = _path(data["next"]), "sync_next"
            self.next_path = path
