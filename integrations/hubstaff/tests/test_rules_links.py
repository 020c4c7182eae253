"""Rule 1 with links: a Hubstaff user linked by hand to a person whose e-mail differs (no database).

Run: .venv/bin/python -m pytest integrations/hubstaff/tests/test_rules_links.py -q -p no:django
"""

from collections.abc import Iterable

from integrations.hubstaff.rules import (
    DailyActivity,
    HubstaffUser,
    SyncPlan,
    Teammate,
    match_people,
    plan_sync,
)

from .test_rules import (
    BOBBY,
    BOBBY_HS,
    DEFAULT_OPTIONS,
    HOUR,
    PROJECT_A,
    SAM,
    SAM_HS,
    WHOLE_PROJECT_A,
    act,
    d,
)

# Sam tracks time in Hubstaff with a private address; Primetric knows him by his work one.
SAM_PRIVATE_HS = HubstaffUser(id=13, name="Sam (home)", email="sam.home@example.net")


def plan_with(
    activities: list[DailyActivity],
    links: dict[int, int] | None = None,
    people: Iterable[Teammate] = (BOBBY, SAM),
    users: Iterable[HubstaffUser] = (BOBBY_HS, SAM_PRIVATE_HS),
) -> SyncPlan:
    return plan_sync(
        activities=activities,
        users={u.id: u for u in users},
        people=list(people),
        assignments=[],
        existing_logs=[],
        covered=WHOLE_PROJECT_A,
        project=PROJECT_A,
        options=DEFAULT_OPTIONS,
        links=links,
    )


def test_without_a_link_a_different_email_is_a_missing_teammate() -> None:
    result = plan_with([act(d(2, 5), SAM_PRIVATE_HS)])
    assert not result.creates
    assert set(result.missing_teammates) == {SAM_PRIVATE_HS.id}


def test_a_linked_user_syncs_to_the_linked_person() -> None:
    result = plan_with([act(d(2, 5), SAM_PRIVATE_HS, tracked=2 * HOUR)], links={SAM_PRIVATE_HS.id: SAM.id})
    assert not result.missing_teammates
    assert [(log.person_id, log.duration_seconds) for log in result.creates] == [(SAM.id, 2 * HOUR)]
    assert set(result.new_assignments) == {SAM.id}


def test_a_link_comes_before_a_matching_email() -> None:
    # Bobby's Hubstaff account linked to Sam: the link wins over Bobby's own e-mail.
    assert match_people([BOBBY_HS, SAM_HS], [BOBBY, SAM], {BOBBY_HS.id: SAM.id}) == {
        BOBBY_HS.id: SAM.id,
        SAM_HS.id: SAM.id,
    }


def test_a_link_to_someone_not_among_the_people_is_ignored() -> None:
    ghost = Teammate(id=99, full_name="Gone", email="gone@example.com")
    assert match_people([SAM_PRIVATE_HS], [BOBBY, SAM], {SAM_PRIVATE_HS.id: ghost.id}) == {}


def test_a_linked_user_hubstaff_no_longer_lists_still_syncs() -> None:
    result = plan_with([act(d(3, 1), SAM_PRIVATE_HS)], links={SAM_PRIVATE_HS.id: SAM.id}, users=(BOBBY_HS,))
    assert [log.person_id for log in result.creates] == [SAM.id]


def test_email_matching_stays_the_default_next_to_links() -> None:
    result = plan_with(
        [act(d(2, 5), BOBBY_HS), act(d(2, 5), SAM_PRIVATE_HS)], links={SAM_PRIVATE_HS.id: SAM.id}
    )
    assert sorted(log.person_id for log in result.creates) == [BOBBY.id, SAM.id]
