"""Handlers of Hubstaff's webhook calls (API v2) and of the control calls that make events: timers started
and stopped, projects created, the "on request" activity events switched on, and the record of deliveries.

A stopped timer ends in daily activity rows as tracked time does: its seconds go to the user's row of that
project, task and organization day (a new row, or the existing one with ``updated_at`` = now, so that
``/activities/daily/updates`` lists it). It is tracked time: the time edit log does not record it.
"""

from __future__ import annotations

from .routing import HTTPError, invalid, route
from .store import date_to_ord
from .webhooks import EVENTS, tracking_time

MANAGERS = ("owner", "manager")


class WebhookRoutesMixin:
    # --- API v2 ----------------------------------------------------------------------------------
    def _new_webhook(self, user, **owner) -> None:
        body = self.json_body()
        if not isinstance(body, dict):
            raise invalid("events is missing, target_url is missing")
        events, target = body.get("events"), body.get("target_url")
        if not isinstance(events, list) or not events or not all(isinstance(e, str) for e in events):
            raise invalid("events is missing" if events is None else "events is invalid")
        unknown = [e for e in events if e != "*" and e not in EVENTS]
        if unknown:
            raise invalid(f"events does not have a valid value: {', '.join(unknown)}")
        if not isinstance(target, str) or not target.startswith(("http://", "https://")):
            raise invalid("target_url is missing" if target is None else "target_url is invalid")
        hook = self.sandbox.webhooks.create(user_id=user.id, events=list(events), target_url=target, **owner)
        self.send_json(201, {"webhook": hook.public()})

    def _require_manager(self, member) -> None:
        if member.role not in MANAGERS:
            raise HTTPError(403, "You are not authorized to access this resource")

    @route("POST", "/v2/organizations/{org_id}/webhooks")
    def api_org_webhook(self, org_id):
        _, user = self.bearer("hubstaff:write")
        org, m = self.org_access(org_id, user)
        self._require_manager(m)
        self._new_webhook(user, kind="organization", organization_id=org.id, project_id=None)

    @route("POST", "/v2/projects/{project_id}/webhooks")
    def api_project_webhook(self, project_id):
        _, user = self.bearer("hubstaff:write")
        p, org, m = self.project_access(project_id, user)
        self._require_manager(m)
        self._new_webhook(user, kind="project", organization_id=org.id, project_id=p.id)

    @route("POST", "/v2/users/me/webhooks")
    def api_my_webhook(self):
        _, user = self.bearer("hubstaff:write")
        self._new_webhook(user, kind="user", organization_id=None, project_id=None)

    def _visible_webhook(self, webhook_id: str, user):
        """The webhook if the token's user may see it: a member of its organization (a user's own webhook:
        that user only). Any other id answers 404, as if it did not exist."""
        hook = self.sandbox.webhooks.webhooks.get(webhook_id)
        if hook is not None:
            if hook.organization_id is None:
                visible = hook.user_id == user.id
            else:
                m = self.sandbox.store.member_index.get((hook.organization_id, user.id))
                visible = m is not None and m.active
            if visible:
                return hook
        raise HTTPError(404, "Could not find record")

    @route("GET", "/v2/webhooks/{webhook_id}")
    def api_webhook(self, webhook_id):
        _, user = self.bearer()
        self.send_json(200, {"webhook": self._visible_webhook(webhook_id, user).public()})

    @route("DELETE", "/v2/webhooks/{webhook_id}")
    def api_delete_webhook(self, webhook_id):
        _, user = self.bearer("hubstaff:write")
        hook = self._visible_webhook(webhook_id, user)
        self.sandbox.webhooks.delete(hook.id)
        self.send(204, b"", "application/json; charset=utf-8")

    @route("POST", "/v2/webhooks/{webhook_id}/activate")
    def api_activate_webhook(self, webhook_id):
        _, user = self.bearer("hubstaff:write")
        hook = self._visible_webhook(webhook_id, user)
        echoed = self.headers.get("X-Hook-Secret") or ""
        if not self.sandbox.webhooks.activate(hook, echoed):
            if hook.status in ("pending", "failed"):
                raise invalid("webhook endpoint is not verified")
            raise invalid("X-Hook-Secret does not match")
        self.send_json(201, {"webhook": hook.public()})

    # --- control: events -------------------------------------------------------------------------
    def _event_payload(self, user, project, task_id: int, started: float) -> dict:
        store = self.sandbox.store
        task = store.tasks.get(task_id) if task_id else None
        return {
            "organization_id": project.organization_id,
            "project_id": project.id,
            "project_name": project.name,
            "task_id": task.id if task else None,
            "task_summary": task.summary if task else None,
            "user_id": user.id,
            "user_name": user.name,
            "tracking_started_at": tracking_time(started),
        }

    def _timer_target(self, body: dict):
        user = self._user_ref(body.get("user_id", body.get("user")))
        project = self._project_ref(body.get("project_id", body.get("project")))
        task_id = int(body.get("task_id") or 0)
        if task_id and (
            task_id not in self.sandbox.store.tasks
            or self.sandbox.store.tasks[task_id].project_id != project.id
        ):
            raise HTTPError(422, f"task {task_id} is not a task of project {project.id}")
        return user, project, task_id

    @route("POST", "/_sandbox/timers/start")
    def c_start_timer(self):
        """``{"user", "project", "task_id"?}``: the user's timer runs on that project from now (one timer
        per user: a running one is stopped first, as the Hubstaff app does)."""
        body = self.json_body()
        user, project, task_id = self._timer_target(body)
        sb = self.sandbox
        with sb.store.lock:  # timers are per user: two requests for one user take turns
            stopped = self._stop(user, None) if user.id in sb.timers else None
            started = sb.now()
            sb.timers[user.id] = (project.id, task_id, started)
            payload = self._event_payload(user, project, task_id, started)
            sb.webhooks.emit("timer.start", payload)
            if project.type == "work_break":
                sb.webhooks.emit("work_break.create", payload)
        self.send_json(201, {"timer": payload, "stopped": stopped})

    @route("POST", "/_sandbox/timers/stop")
    def c_stop_timer(self):
        """``{"user", "project"?, "seconds"?}``: stop the user's timer; ``seconds`` is the time tracked (default:
        since the start). Without a running timer, ``project`` and ``seconds`` are required: a timer that
        ran for ``seconds`` until now."""
        body = self.json_body()
        user = self._user_ref(body.get("user_id", body.get("user")))
        seconds = body.get("seconds")
        if seconds is not None and (not isinstance(seconds, int) or seconds < 1):
            raise HTTPError(422, "seconds must be a positive integer")
        sb = self.sandbox
        with sb.store.lock:
            if user.id not in sb.timers:
                if seconds is None or ("project" not in body and "project_id" not in body):
                    raise HTTPError(422, "no timer is running for this user: give project and seconds")
                _, project, task_id = self._timer_target(body)
                sb.timers[user.id] = (project.id, task_id, sb.now() - seconds)
            elif "project" in body or "project_id" in body:
                project = self._project_ref(body.get("project_id", body.get("project")))
                if sb.timers[user.id][0] != project.id:
                    raise HTTPError(422, f"the user's timer runs on project {sb.timers[user.id][0]}")
            result = self._stop(user, seconds)
        self.send_json(200, result)

    def _stop(self, user, seconds: int | None) -> dict:
        """End the user's timer: its seconds go to the day's daily row (tracked time), then timer.stop and,
        if switched on, activity.create / activity.update are emitted."""
        sb = self.sandbox
        store = sb.store
        project_id, task_id, started = sb.timers.pop(user.id)
        project = store.projects[project_id]
        org = store.organizations[project.organization_id]
        now = int(sb.now())
        tracked = seconds if seconds is not None else max(1, int(now - started))
        start = int(started)
        day = date_to_ord(org.local_date(start))
        brk = project.type == "work_break"
        with store.lock:
            existing = store.query(
                org.id,
                date_range=(day, day),
                user_ids=frozenset({user.id}),
                project_ids=frozenset({project.id}),
                task_ids=frozenset({task_id}),
            )
            if existing:
                idx = existing[0]
                c = store.cols
                total = c["tracked"][idx] + tracked
                changes = {
                    "tracked": total,
                    "keyboard": c["keyboard"][idx] + tracked // 3,
                    "mouse": c["mouse"][idx] + tracked // 2,
                    "overall": c["overall"][idx] + tracked // 2,
                    "input_tracked": c["input_tracked"][idx] + tracked,
                    "billable": c["billable"][idx] + (0 if brk else tracked),
                    "work_break": c["work_break"][idx] + (tracked if brk else 0),
                }
                store.update_row(idx, changes, now)
                activity_event = "activity.update"
            else:
                idx = store.add_extra_row(
                    {
                        "org": org.id,
                        "date": day,
                        "user": user.id,
                        "project": project.id,
                        "task": task_id,
                        "tracked": tracked,
                        "keyboard": tracked // 3,
                        "mouse": tracked // 2,
                        "overall": tracked // 2,
                        "input_tracked": tracked,
                        "manual": 0,
                        "idle": 0,
                        "resumed": 0,
                        "billable": 0 if brk else tracked,
                        "work_break": tracked if brk else 0,
                        "start": start,
                        "created": now,
                        "updated": now,
                    }
                )
                activity_event = "activity.create"
            row = store.row(idx)
        payload = self._event_payload(user, project, task_id, started)
        sb.webhooks.emit("timer.stop", payload)
        self.emit_activity(activity_event, row)
        return {"timer": payload, "tracked": tracked, "daily_activity": row}

    def emit_activity(self, event: str, row: dict) -> None:
        """An ``activity.*`` event for a daily row (made only for organizations switched on). The reference
        documents no activity payload: ours names the row and its day."""
        store = self.sandbox.store
        project = store.projects.get(row["project_id"])
        user = store.users.get(row["user_id"])
        if project is None or user is None:
            return
        payload = self._event_payload(user, project, row["task_id"] or 0, 0)
        del payload["tracking_started_at"]
        payload.update(activity_id=row["id"], date=row["date"])
        self.sandbox.webhooks.emit(event, payload)

    @route("POST", "/_sandbox/projects")
    def c_create_project(self):
        """``{"organization": id, "name", "type"?}``: a new project (emits project.create)."""
        body = self.json_body()
        store = self.sandbox.store
        org = store.organizations.get(body.get("organization_id", body.get("organization")))
        if org is None:
            raise HTTPError(422, "unknown organization")
        if not body.get("name"):
            raise HTTPError(422, "name is required")
        with store.lock:
            p = store.add_project(org.id, str(body["name"]), int(self.sandbox.now()))
            if body.get("type") in ("work_order", "work_break"):
                p.type = body["type"]
        self.sandbox.webhooks.emit(
            "project.create",
            {"organization_id": org.id, "project_id": p.id, "project_name": p.name, "user_id": None},
        )
        self.send_json(201, {"project": {"id": p.id, "name": p.name, "organization_id": org.id}})

    @route("PATCH", "/_sandbox/organizations/{org_id}/webhook_events")
    def c_activity_events(self, org_id):
        """``{"activity": true|false}``: Hubstaff switching the "on request" activity.* events on or off."""
        body = self.json_body()
        org = self.sandbox.store.organizations.get(int(org_id)) if org_id.isdigit() else None
        if org is None:
            raise HTTPError(404, "organization not found")
        hub = self.sandbox.webhooks
        with hub.lock:
            if body.get("activity"):
                hub.activity_orgs.add(org.id)
            else:
                hub.activity_orgs.discard(org.id)
        self.send_json(200, {"organization_id": org.id, "activity": org.id in hub.activity_orgs})

    # --- control: the record ---------------------------------------------------------------------
    @route("GET", "/_sandbox/webhooks")
    def c_webhooks(self):
        """Every webhook, with its secret (for tests), and every POST made to a target."""
        hub = self.sandbox.webhooks
        with hub.lock:
            hooks = [{**h.public(), "secret": h.secret, "kind": h.kind} for h in hub.webhooks.values()]
            self.send_json(200, {"webhooks": hooks, "deliveries": list(hub.deliveries)})

    @route("GET", "/_sandbox/webhooks/deliveries")
    def c_deliveries(self):
        hub = self.sandbox.webhooks
        with hub.lock:
            deliveries = list(hub.deliveries)
        self.send_json(200, {"deliveries": deliveries, "pending": hub.pending()})

    @route("POST", "/_sandbox/webhooks/reset")
    def c_reset_webhooks(self):
        """Forget every webhook, queued delivery, activity switch and record of deliveries."""
        hub = self.sandbox.webhooks
        hub.clear()
        with hub.lock:
            hub.deliveries.clear()
        self.send_json(200, {"webhooks": [], "deliveries": []})

    @route("POST", "/_sandbox/webhooks/deliveries/reset")
    def c_reset_deliveries(self):
        hub = self.sandbox.webhooks
        with hub.lock:
            hub.deliveries.clear()
        self.send_json(200, {"deliveries": [], "pending": hub.pending()})
