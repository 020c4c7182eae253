"""The apply phase's writer thread, on PostgreSQL: one transaction on its own connection, all or nothing.

These tests commit for real (no test transaction around them), so that the writer's connection sees what the test
made and the test's connection sees only what the writer committed: the sync takes the threaded path here, as it
does in a worker. The rest of the suite runs inside test transactions, where the sync writes inline instead.
"""

import threading
from contextlib import contextmanager
from datetime import date

import pytest
from django.db import IntegrityError, connection

from integrations.hubstaff import rules
from integrations.services import runs, sync, writer
from people.models import Organization
from projects.models import Assignment
from worklogs.models import WorkLog

from .support import duplicates, hubstaff_truth, snapshot, synced_result

pytestmark = pytest.mark.django_db(transaction=True)

EMAILS = {"bobby@acme.test", "sam@acme.test"}
WINDOW = (date(2026, 1, 1), date(2026, 9, 22))


@pytest.fixture
def writers(monkeypatch):
    """Every threaded writer started during the test."""
    started = []

    class Recorded(writer._ThreadedWriter):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            started.append(self)

    monkeypatch.setattr(writer, "_ThreadedWriter", Recorded)
    return started


def writer_threads():
    return [t for t in threading.enumerate() if t.name.startswith("sync-run-") or t.name == "writer"]


def new_org(slug):
    Organization.objects.create(name=slug, slug=slug)


def slugs():
    return set(Organization.objects.filter(slug__startswith="w-").values_list("slug", flat=True))


# -------------------------------------------------------------------------------- the writer itself


def test_writes_are_invisible_until_the_block_ends_then_all_there(writers):
    with writer.transaction_writer(threaded=True) as w:
        w.submit(new_org, "w-one")
        w.call(new_org, "w-two")  # waits: both are written, in the writer's open transaction
        assert slugs() == set(), "this connection must not see the writer's uncommitted rows"
    assert slugs() == {"w-one", "w-two"}
    assert len(writers) == 1 and not writer_threads()


def test_call_returns_what_the_write_returned_in_order():
    seen = []
    with writer.transaction_writer(threaded=True) as w:
        for n in range(5):
            w.submit(seen.append, n)
        assert w.call(lambda: list(seen)) == [0, 1, 2, 3, 4]


def within(seconds, work):
    """Run work() in a thread and fail, rather than hang the suite, if it has not ended after `seconds`."""
    outcome = {}

    def run():
        try:
            outcome["value"] = work()
        except BaseException as exc:  # noqa: BLE001 - handed back below
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still waiting after {seconds} s"
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def test_a_failing_write_rolls_back_every_write_and_is_raised_here():
    gate = threading.Event()

    def first_then_wait():  # the writer is busy with this one while the next two are queued behind it
        new_org("w-twice")
        gate.wait(5)

    with pytest.raises(IntegrityError), writer.transaction_writer(threaded=True) as w:
        w.submit(new_org, "w-kept-back")
        w.submit(first_then_wait)
        failing = w.submit(new_org, "w-twice")  # the slug is unique
        later = w.submit(new_org, "w-after")
        gate.set()
    assert slugs() == set()
    assert isinstance(failing.exception(timeout=5), IntegrityError)
    assert isinstance(later.exception(timeout=5), writer.WriterStopped)
    assert not writer_threads()


def test_an_error_of_the_caller_rolls_back_what_was_written():
    with pytest.raises(RuntimeError, match="planning failed"), writer.transaction_writer(threaded=True) as w:
        w.call(new_org, "w-written")
        raise RuntimeError("planning failed")
    assert slugs() == set()
    assert not writer_threads()


def test_the_caller_is_never_left_waiting_after_a_failure():
    """Writes queued behind a failed one are failed at once, later submits raise, nothing hangs."""
    gate = threading.Event()
    behind = []

    def work():
        with writer.transaction_writer(threaded=True) as w:
            w.submit(lambda: (new_org("w-dup"), gate.wait(5)))
            w.submit(new_org, "w-dup")
            behind.append(w.submit(new_org, "w-behind"))
            gate.set()
            for n in range(
                50
            ):  # more than the queue holds: the caller would block if the writer stopped reading
                behind.append(w.submit(new_org, f"w-{n}"))

    with pytest.raises(IntegrityError):
        within(30, work)
    assert behind and all(isinstance(f.exception(timeout=5), writer.WriterStopped) for f in behind)
    assert slugs() == set()
    assert not writer_threads()


def test_not_threaded_the_writes_run_at_once_in_the_callers_transaction():
    from django.db import transaction

    with transaction.atomic():
        with writer.transaction_writer(threaded=False) as w:
            w.submit(new_org, "w-inline")
            assert slugs() == {"w-inline"}  # written at once, on this connection
        transaction.set_rollback(True)
    assert slugs() == set()


# -------------------------------------------------------------------------------- a sync through the writer


def reset(project, parts=None):
    run = runs.request_sync(project, mode="reset", trigger="manual")
    return sync.run_sync(run.pk, parts=parts or sync.Parts())


@contextmanager
def database_refuses_update(table, nth):
    """PostgreSQL itself refuses the `nth` UPDATE statement on `table` from now on (a trigger raises)."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE SEQUENCE test_refused_updates")
        cursor.execute(
            "CREATE FUNCTION test_refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF nextval('test_refused_updates') = {int(nth)} THEN "
            "RAISE EXCEPTION 'the database refused this batch'; END IF; RETURN NULL; END $$"
        )
        cursor.execute(
            f"CREATE TRIGGER test_refuse_update BEFORE UPDATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION test_refuse_update()"
        )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TRIGGER test_refuse_update ON {table}")
            cursor.execute("DROP FUNCTION test_refuse_update()")
            cursor.execute("DROP SEQUENCE test_refused_updates")


def test_a_sync_outside_any_transaction_writes_through_the_writer_thread_correctly(
    project_a, hs, writers, queued_tasks
):
    assert not connection.in_atomic_block
    run = reset(project_a)
    assert run.status == "succeeded", run.error
    assert len(writers) == 1, "the threaded writer was not used"
    assert synced_result(project_a) == hubstaff_truth(
        hs, project_names=["Project A"], emails=EMAILS, start=WINDOW[0], stop=WINDOW[1]
    )
    sam = Assignment.objects.get(project=project_a, person__email="sam@acme.test")
    assert (sam.origin, sam.start_date, sam.end_date) == ("sync", *WINDOW)
    assert set(
        WorkLog.objects.filter(project=project_a, person=sam.person).values_list("assignment", flat=True)
    ) == {sam.pk}
    assert duplicates(project_a) == [] and not writer_threads()

    before = snapshot(project_a)
    again = reset(project_a)
    assert again.status == "succeeded", again.error
    assert (
        again.worklogs_created,
        again.worklogs_updated,
        again.worklogs_deleted,
        again.assignments_created,
    ) == (0, 0, 0, 0)
    assert snapshot(project_a) == before


def test_a_sync_inside_a_transaction_writes_inline_in_it(project_a, hs, writers, queued_tasks):
    from django.db import transaction

    with transaction.atomic():
        run = reset(project_a)
        assert run.status == "succeeded", run.error
        assert writers == [], "inside a transaction the writes must stay on this connection"
        assert synced_result(project_a) == hubstaff_truth(
            hs, project_names=["Project A"], emails=EMAILS, start=WINDOW[0], stop=WINDOW[1]
        )


@pytest.mark.parametrize("where", ["a write", "the rules"])
def test_a_failure_in_the_middle_of_the_apply_leaves_everything_as_it_was(
    project_a, hs, writers, queued_tasks, where
):
    first = reset(project_a)
    assert first.status == "succeeded", first.error
    # Every synced log now differs from Hubstaff, so that the next reset writes in every batch.
    WorkLog.objects.filter(project=project_a, source="hubstaff").update(duration_seconds=1)
    before = snapshot(project_a)

    calls = {"n": 0}

    def failing_rules(**kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise ValueError("the rules failed on the third batch")
        return rules.plan_sync(**kwargs)

    if where == "a write":
        # The second batch's UPDATE of work logs, after the first batch's writes went through.
        with database_refuses_update(WorkLog._meta.db_table, 2):
            run = reset(project_a)
    else:
        run = reset(project_a, sync.Parts(plan=failing_rules))
        assert calls["n"] >= 3
    assert run.status == "failed" and "nothing was changed" in run.error
    assert snapshot(project_a) == before
    assert not writer_threads()
