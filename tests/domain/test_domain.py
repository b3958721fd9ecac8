from datetime import UTC, date, datetime

import pytest

from board.domain import (
    DESCRIPTION_MAX,
    TITLE_MAX,
    Card,
    CardFields,
    Column,
    Goal,
    IsoWeek,
    PdcaStage,
    RuleViolation,
    move_card,
    validate_card_fields,
)

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)


def card(**kwargs) -> Card:
    return Card(**{'id': 'c1', 'unit_id': 'u', 'title': 'Idé', 'created_at': NOW} | kwargs)


def keys(fields: CardFields, goals=()) -> set[str]:
    return {p.key for p in validate_card_fields(fields, goals)}


def test_empty_or_blank_title_is_refused():
    assert keys(CardFields(title='')) == {'error.title_empty'}
    assert keys(CardFields(title='   \n')) == {'error.title_empty'}


def test_length_limits_are_exact():
    assert not keys(CardFields(title='x' * TITLE_MAX, description='y' * DESCRIPTION_MAX))
    assert keys(CardFields(title='x' * (TITLE_MAX + 1))) == {'error.title_too_long'}
    assert keys(CardFields(title='ok', description='y' * (DESCRIPTION_MAX + 1))) == {'error.description_too_long'}


def test_problem_carries_the_numbers_for_the_message():
    [problem] = validate_card_fields(CardFields(title='x' * 250))
    assert problem.field == 'title'
    assert problem.params == {'max': 200, 'length': 250}


def test_unknown_goal_and_control_characters_are_refused():
    goal = Goal(id='g', unit_id='u', name='Mål', colour='#000000')
    assert keys(CardFields(title='ok', goal_id='g'), [goal]) == set()
    assert keys(CardFields(title='ok', goal_id='nope'), [goal]) == {'error.unknown_goal'}
    assert keys(CardFields(title='a\x00b')) == {'error.control_characters'}


def test_moving_into_progress_records_start_and_plan_stage():
    moved = move_card(card(), Column.DOING, position='V', now=NOW)
    assert moved.started_at == NOW
    assert moved.pdca == PdcaStage.PLAN
    assert moved.started_week == IsoWeek(2026, 48)


def test_moving_to_done_records_finish_and_keeps_start():
    started = datetime(2026, 11, 2, tzinfo=UTC)
    done = move_card(card(column=Column.DOING, started_at=started, pdca=PdcaStage.CHECK), Column.DONE,
                     position='V', now=NOW)
    assert done.finished_at == NOW
    assert done.started_at == started
    assert done.finished_week == IsoWeek(2026, 48)


def test_idea_goes_straight_to_done_only_as_quick_win():
    with pytest.raises(RuleViolation) as refused:
        move_card(card(), Column.DONE, position='V', now=NOW)
    assert refused.value.problems[0].key == 'error.move_idea_to_done'
    done = move_card(card(quick_win=True), Column.DONE, position='V', now=NOW)
    assert done.started_at == done.finished_at == NOW


def test_done_cannot_go_back_to_ideas_but_can_be_reopened():
    done = card(column=Column.DONE, started_at=NOW, finished_at=NOW)
    with pytest.raises(RuleViolation):
        move_card(done, Column.IDEAS, position='V', now=NOW)
    reopened = move_card(done, Column.DOING, position='V', now=NOW)
    assert reopened.finished_at is None
    assert reopened.started_at == NOW


def test_back_to_ideas_forgets_progress():
    idea = move_card(card(column=Column.DOING, started_at=NOW, pdca=PdcaStage.DO), Column.IDEAS,
                     position='V', now=NOW)
    assert idea.started_at is None
    assert idea.pdca is None


def test_overdue_only_before_done():
    assert card(due=date(2026, 11, 23)).is_overdue(date(2026, 11, 24))
    assert not card(due=date(2026, 11, 24)).is_overdue(date(2026, 11, 24))
    assert not card(due=date(2026, 11, 1), column=Column.DONE).is_overdue(date(2026, 11, 24))


def test_iso_week_at_turn_of_year():
    assert IsoWeek.of(date(2026, 12, 31)) == IsoWeek(2026, 53)
    assert IsoWeek.of(date(2027, 1, 4)) == IsoWeek(2027, 1)
    assert str(IsoWeek(2027, 1)) == '2027-W01'


def test_a_due_date_a_person_cannot_mean_is_refused():
    from board.domain import CardFields, validate_card_fields
    for due in (date(1926, 5, 1), date(2101, 1, 15)):
        assert [p.field for p in validate_card_fields(CardFields(title='Frist', due=due))] == ['due']
    assert validate_card_fields(CardFields(title='Frist', due=date(2027, 1, 4))) == []


def test_citizen_figures_count_the_ideas_received_in_the_period_where_the_municipality_is():
    from datetime import UTC, date, datetime, timedelta
    from zoneinfo import ZoneInfo

    from board.domain.citizen import CitizenIdea, IdeaState, OutcomeMail, citizen_figures
    from board.gains import Period

    oslo = ZoneInfo('Europe/Oslo')
    new_year = datetime(2025, 12, 31, 23, 30, tzinfo=UTC)  # 00:30 on 1 January in Oslo

    def idea(number: int, received: datetime, state: IdeaState = IdeaState.PENDING, days: float | None = None,
             mail: OutcomeMail = OutcomeMail.NONE) -> CitizenIdea:
        return CitizenIdea(id=f'i{number}', unit_id='avd-a', title='Benker', received_at=received, state=state,
                           decided_at=received + timedelta(days=days) if days is not None else None, mail=mail)

    ideas = [idea(1, new_year, IdeaState.APPROVED, 2, OutcomeMail.SENT), idea(2, new_year, IdeaState.DECLINED, 5),
             idea(3, new_year + timedelta(days=3)), idea(4, new_year, IdeaState.APPROVED, 3),
             idea(5, new_year - timedelta(hours=1), IdeaState.APPROVED, 1)]  # 31 December in Oslo too
    figures = citizen_figures(ideas, Period(date(2026, 1, 1), date(2026, 3, 31)), oslo)
    assert (figures.received, figures.approved, figures.declined, figures.pending, figures.mailed) == (4, 2, 1, 1, 1)
    assert figures.median_days == 3  # of 2, 5 and 3 days; the waiting idea has no answer yet
    assert citizen_figures(ideas, Period(date(2025, 1, 1), date(2025, 12, 31)), oslo).received == 1
    assert citizen_figures([], Period(), oslo).median_days is None
