"""Rule 1 with kept matches: a match, once made by e-mail or by hand, outlives a change of either e-mail; a user
Hubstaff shows without an e-mail keeps the person their earlier logs point to (no database).

Run: .venv/bin/python -m pytest integrations/hubstaff/tests/test_rules_kept.py -q -p no:django
"""

from collections.abc import Collection, Iterable
from dataclasses import replace

from integrations.hubstaff import rules
from integrations.hubstaff.rules import (
    DailyActivity,
    HubstaffUser,
    KeptMatch,
    SyncedLog,
    SyncPlan,
    Teammate,
    match_people,
    plan_sync,
    source_key,
)

from .test_rules import (
    BOBBY,
    BOBBY_HS,
    DEFAULT_OPTIONS,
    HOUR,
    PROJECT_A,
    PROJECT_A_HS,
    SAM,
    SAM_HS,
    WHOLE_PROJECT_A,
    act,
    d,
    manual,
)

BOBBY_NO_EMAIL = HubstaffUser(id=BOBBY_HS.id, name="Bobby", email=None)
BOBBY_NEW_EMAIL = HubstaffUser(id=BOBBY_HS.id, name="Bobby", email="bobby@newmail.example")
BOBBY_AS_SAM = HubstaffUser(id=BOBBY_HS.id, name="Bobby", email=SAM.email)


def plan_with(
    activities: list[DailyActivity],
    *,
    users: Iterable[HubstaffUser] = (BOBBY_HS, SAM_HS),
    people: Iterable[Teammate] = (BOBBY, SAM),
    links: dict[int, int] | None = None,
    kept_by_email: Collection[int] = (),
    existing_logs: Iterable[SyncedLog] = (),
) -> SyncPlan:
    return plan_sync(
        activities=activities,
        users={u.id: u for u in users},
        people=list(people),
        assignments=ASSIGNED,
        existing_logs=list(existing_logs),
        covered=WHOLE_PROJECT_A,
        project=PROJECT_A,
        options=DEFAULT_OPTIONS,
        links=links,
        kept_by_email=kept_by_email,
    )


# Bobby and Sam are assigned to the whole project (assignments 50 and 51).
ASSIGNED = [manual(50, BOBBY, d(1, 1), d(9, 22)), manual(51, SAM, d(1, 1), d(9, 22))]


def bobbys_log(id: int = 900) -> SyncedLog:
    """Bobby's log of 5 February, synced earlier."""
    return SyncedLog(id, source_key(PROJECT_A_HS, BOBBY_HS.id, d(2, 5)), BOBBY.id, d(2, 5), HOUR, 50)


# ----------------------------------------------------------------------------- match_people


def test_a_kept_match_wins_over_an_email_that_now_names_another_person() -> None:
    assert match_people([BOBBY_AS_SAM], [BOBBY, SAM], {BOBBY_HS.id: BOBBY.id}) == {BOBBY_HS.id: BOBBY.id}


def test_a_kept_match_outlives_the_persons_changed_email() -> None:
    renamed = Teammate(BOBBY.id, BOBBY.full_name, "robert@example.com")
    assert match_people([BOBBY_HS], [renamed], {BOBBY_HS.id: BOBBY.id}) == {BOBBY_HS.id: BOBBY.id}


def test_two_hubstaff_users_may_be_kept_as_one_person() -> None:
    assert match_people([BOBBY_HS, replace(BOBBY_NEW_EMAIL, id=21)], [BOBBY], {21: BOBBY.id}) == {
        BOBBY_HS.id: BOBBY.id,
        21: BOBBY.id,
    }


# ----------------------------------------------------------------------------- plan_sync


def test_an_email_match_without_a_kept_one_is_named_for_keeping() -> None:
    result = plan_with([act(d(2, 5), BOBBY_HS), act(d(2, 6), SAM_HS)], links={SAM_HS.id: SAM.id})
    assert result.email_matches == {BOBBY_HS.id: BOBBY.id}
    assert result.kept_matches == {}


def test_a_user_without_time_is_not_named_for_keeping() -> None:
    assert plan_with([act(d(2, 5), BOBBY_HS)]).email_matches == {BOBBY_HS.id: BOBBY.id}


def test_a_skipped_persons_email_match_is_not_kept() -> None:
    result = plan_sync(
        activities=[act(d(2, 5), BOBBY_HS)],
        users={BOBBY_HS.id: BOBBY_HS},
        people=[BOBBY],
        assignments=[],
        existing_logs=[],
        covered=WHOLE_PROJECT_A,
        project=PROJECT_A,
        options=rules.Options(prevent_new_assignments=True),
    )
    assert (result.email_matches, result.skipped_people) == ({}, {BOBBY.id: HOUR})


def test_a_match_kept_by_email_survives_a_changed_email_and_is_reported() -> None:
    result = plan_with(
        [act(d(2, 5), BOBBY_NEW_EMAIL, tracked=2 * HOUR)],
        users=(BOBBY_NEW_EMAIL,),
        links={BOBBY_HS.id: BOBBY.id},
        kept_by_email={BOBBY_HS.id},
    )
    assert [(log.person_id, log.duration_seconds) for log in result.creates] == [(BOBBY.id, 2 * HOUR)]
    assert result.missing_teammates == {}
    assert result.kept_matches == {
        BOBBY_HS.id: KeptMatch(
            BOBBY_HS.id, "Bobby", BOBBY_NEW_EMAIL.email, BOBBY.id, rules.KEPT_EMAIL_OF_NOBODY, 2 * HOUR
        )
    }


def test_a_kept_match_whose_email_now_names_another_person_is_reported_with_that_person() -> None:
    for kept_by_email in ({BOBBY_HS.id}, set()):  # made by e-mail or by hand
        result = plan_with(
            [act(d(2, 5), BOBBY_AS_SAM)],
            users=(BOBBY_AS_SAM,),
            links={BOBBY_HS.id: BOBBY.id},
            kept_by_email=kept_by_email,
        )
        assert [log.person_id for log in result.creates] == [BOBBY.id]
        (kept,) = result.kept_matches.values()
        assert (kept.reason, kept.email_person_id) == (rules.KEPT_EMAIL_OF_OTHER, SAM.id)


def test_a_match_made_by_hand_for_differing_emails_is_not_reported() -> None:
    result = plan_with(
        [act(d(2, 5), BOBBY_NEW_EMAIL)], users=(BOBBY_NEW_EMAIL,), links={BOBBY_HS.id: BOBBY.id}
    )
    assert [log.person_id for log in result.creates] == [BOBBY.id]
    assert (result.kept_matches, result.email_matches) == ({}, {})


def test_a_kept_match_the_email_agrees_with_is_not_reported() -> None:
    result = plan_with([act(d(2, 5), BOBBY_HS)], links={BOBBY_HS.id: BOBBY.id}, kept_by_email={BOBBY_HS.id})
    assert (result.kept_matches, result.email_matches) == ({}, {})


def test_a_user_without_a_visible_email_keeps_the_logs_of_a_reread_day() -> None:
    # No kept match (removed, or the logs are older than the matches kept): the earlier log names the person.
    result = plan_with([act(d(2, 5), BOBBY_NO_EMAIL)], users=(BOBBY_NO_EMAIL,), existing_logs=[bobbys_log()])
    assert (result.deletes, result.creates, result.updates, result.missing_teammates) == ([], [], [], {})
    assert result.kept_matches[BOBBY_HS.id].reason == rules.KEPT_NO_EMAIL
    assert result.email_matches == {}  # nothing matched by e-mail: not kept as a match


def test_before_kept_matches_a_user_without_a_visible_email_lost_the_logs_of_a_reread_day() -> None:
    # The defect fixed: the same inputs without the earlier log make the user a missing teammate (and a log of
    # theirs on that day would be deleted).
    result = plan_with([act(d(2, 5), BOBBY_NO_EMAIL)], users=(BOBBY_NO_EMAIL,))
    assert set(result.missing_teammates) == {BOBBY_HS.id}


def test_a_user_without_a_visible_email_and_a_kept_match_goes_to_the_kept_person() -> None:
    result = plan_with(
        [act(d(2, 6), BOBBY_NO_EMAIL)],
        users=(BOBBY_NO_EMAIL,),
        links={BOBBY_HS.id: BOBBY.id},
        kept_by_email={BOBBY_HS.id},
    )
    assert [(log.person_id, log.date) for log in result.creates] == [(BOBBY.id, d(2, 6))]
    assert result.kept_matches[BOBBY_HS.id].reason == rules.KEPT_NO_EMAIL


def test_a_user_with_an_email_of_nobody_and_no_kept_match_is_a_missing_teammate() -> None:
    # What removing a match means for a user whose e-mail Hubstaff shows: their logs of a re-read day go.
    result = plan_with(
        [act(d(2, 5), BOBBY_NEW_EMAIL)], users=(BOBBY_NEW_EMAIL,), existing_logs=[bobbys_log()]
    )
    assert set(result.missing_teammates) == {BOBBY_HS.id}
    assert result.deletes == [900]


def test_the_latest_earlier_log_names_the_person() -> None:
    older = SyncedLog(901, source_key(PROJECT_A_HS, BOBBY_HS.id, d(2, 4)), SAM.id, d(2, 4), HOUR, 51)
    result = plan_with(
        [act(d(2, 4), BOBBY_NO_EMAIL), act(d(2, 5), BOBBY_NO_EMAIL)],
        users=(BOBBY_NO_EMAIL,),
        existing_logs=[bobbys_log(), older],
    )
    assert {log.id: log.person_id for log in result.updates} == {901: BOBBY.id}
