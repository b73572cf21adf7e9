import pytest

from mindwell.qa.templatetags.qa import short_number, votes_label


@pytest.mark.parametrize(
    ("points", "shown"),
    [
        (0, "0"), (100, "100"), (999, "999"), (1_000, "1k"), (1_234, "1.2k"), (6_500, "6.5k"),
        (9_999, "9.9k"), (12_345, "12k"), (999_999, "999k"), (1_234_567, "1.2m"),
        (12_000_000, "12m"), (-1_500, "-1.5k"),
    ],
)  # fmt: skip
def test_points_of_1000_or_more_are_shown_short(points, shown):
    assert short_number(points) == shown


@pytest.mark.parametrize(
    ("score", "shown"),
    [(19, "+19 votes"), (2, "+2 votes"), (1, "1 vote"), (0, "0 votes"), (-1, "-1 vote"),
     (-2, "-2 votes")],
)  # fmt: skip
def test_scores_read_as_on_question2answer(score, shown):
    assert votes_label(score) == shown
