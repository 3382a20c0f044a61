"""The demand forecast on hand-built series whose answer is known: a weekly pattern it
must find (and beat "same as last week" on when noisy), a trend, short history, all
zeros, and the backtest's own arithmetic."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from bot.domain.forecast import (
    BACKTEST_DAYS,
    Forecast,
    Method,
    backtest,
    forecast,
    same_as_last_week,
)

MONDAY = date(2026, 1, 5)
WEEKENDS_3X = [10, 10, 10, 10, 10, 30, 30]  # Monday..Sunday


def weekly(weeks: int, pattern: list[int] = WEEKENDS_3X) -> np.ndarray:
    return np.array(pattern * weeks, dtype=float)


def test_a_clean_weekly_pattern_is_found_and_continued() -> None:
    result = forecast(weekly(8), MONDAY)

    assert result.method is Method.SEASONAL
    assert result.first_day == MONDAY + timedelta(weeks=8)  # a Monday: the day after
    assert len(result.values) == 28
    assert np.allclose(result.values, weekly(4), atol=0.01)
    assert result.weekly_profile is not None
    assert np.allclose(result.weekly_profile, np.array(WEEKENDS_3X) / np.mean(WEEKENDS_3X))
    assert result.total(14) == pytest.approx(2 * sum(WEEKENDS_3X), abs=0.1)


def test_the_peak_days_are_the_weekends() -> None:
    result = forecast(weekly(8), MONDAY)
    peaks = result.peaks(days=28, count=4)
    assert [day.weekday() for day in peaks] == [5, 6, 5, 6]  # Sat, Sun of the first 2 weeks
    assert peaks[0] == result.first_day + timedelta(days=5)


def test_history_starting_midweek_keeps_weekdays_right() -> None:
    thursday = MONDAY + timedelta(days=3)
    series = np.roll(weekly(8), -3)  # the same rhythm, starting on a Thursday
    result = forecast(series, thursday)
    for offset, value in enumerate(result.values[:7]):
        expected = WEEKENDS_3X[(result.first_day + timedelta(days=offset)).weekday()]
        assert value == pytest.approx(expected, abs=0.01)


def test_on_a_noisy_weekly_pattern_it_beats_same_as_last_week() -> None:
    """Poisson noise around weekends 3× weekdays, twelve weeks, ten different seeds:
    the forecast's shape is the pattern's and its backtest error is below naive's
    every time (naive repeats one noisy week; the profile averages eight)."""
    for seed in range(10):
        rng = np.random.default_rng(seed)
        series = rng.poisson(weekly(12)).astype(float)
        result = forecast(series, MONDAY)
        assert result.method is Method.SEASONAL
        profile = np.array(result.weekly_profile)
        assert profile[5:].min() > 2 * profile[:5].max()  # weekends well above weekdays
        test = result.backtest
        assert test is not None and test.days == BACKTEST_DAYS
        assert test.beats_naive, (seed, test.mae, test.naive_mae)
        assert test.wape is not None and test.naive_wape is not None
        assert test.wape < test.naive_wape


def test_a_trend_is_followed() -> None:
    """5, 5.5, 6, … orders a day: the forecast keeps rising (damped, so a little below
    the straight line) and is far better than repeating last week."""
    series = 5 + 0.5 * np.arange(70)
    result = forecast(series, MONDAY)
    assert result.values[0] == pytest.approx(40, abs=0.5)
    assert all(b > a for a, b in zip(result.values, result.values[1:], strict=False))
    assert result.values[27] < 5 + 0.5 * (70 + 27)  # damped
    test = result.backtest
    assert test is not None
    assert test.mae < 1 < test.naive_mae


def test_a_short_history_falls_back_to_the_weekday_mean_and_says_so() -> None:
    series = [1, 2, 3, 4, 5, 6, 7, 3, 4, 5, 6, 7, 8, 9]  # two weeks from a Monday
    result = forecast(series, MONDAY)
    assert result.method is Method.WEEKDAY_MEAN
    assert result.weekly_profile is None
    assert list(result.values[:7]) == [2, 3, 4, 5, 6, 7, 8]  # each weekday's mean
    assert result.backtest is None  # 14 days: none left to fit on


def test_under_a_week_falls_back_to_the_mean() -> None:
    result = forecast([2, 4, 6], MONDAY)
    assert result.method is Method.MEAN
    assert set(result.values) == {4.0}
    assert result.backtest is None


def test_no_history_says_nothing() -> None:
    result = forecast([], MONDAY)
    assert result.method is Method.NONE
    assert result.total(28) == 0
    assert result.peaks() == ()
    assert result.first_day == MONDAY


def test_all_zeros_forecasts_zero_without_peaks() -> None:
    result = forecast([0] * 60, MONDAY)
    assert result.total(28) == 0
    assert result.peaks() == ()
    test = result.backtest
    assert test is not None
    assert test.mae == 0 and test.naive_mae == 0
    assert test.wape is None and test.naive_wape is None  # no orders: no percentage
    assert not test.beats_naive  # a tie is not a win


def test_a_shop_closed_on_sundays_is_forecast_closed_on_sundays() -> None:
    result = forecast(weekly(8, [8, 8, 8, 8, 8, 12, 0]), MONDAY)
    sundays = [v for i, v in enumerate(result.values) if (i + 1) % 7 == 0]
    assert sundays == [0.0] * 4
    assert result.values[5] == pytest.approx(12, abs=0.01)


def test_the_backtest_holds_out_the_last_14_days_and_naive_repeats_the_week_before() -> None:
    series = np.array([1.0] * 21 + [2.0] * 7 + [5.0] * 14)  # 42 days, a jump at the end
    test = backtest(series, MONDAY)
    assert test is not None
    assert test.trained_on == 28
    assert test.actual == (5.0,) * 14
    assert test.naive == (2.0,) * 14  # the last week it could see
    assert test.naive_mae == 3.0
    assert test.naive_wape == pytest.approx(3 / 5)
    assert list(same_as_last_week(np.arange(10.0), 9)) == [3, 4, 5, 6, 7, 8, 9, 3, 4]


def test_a_trace_of_an_order_a_day_has_no_busiest_days() -> None:
    """A shop whose orders are months old is forecast a trace of an order a day:
    "~0 orders in the next 28 days" is then not followed by three "busiest" days."""

    def expecting(per_day: tuple[float, ...]) -> Forecast:
        return Forecast(MONDAY, per_day * 4, Method.SEASONAL, 336, None, None)

    trace = (0.0004, 0.0003, 0.0002, 0.0001, 0.0003, 0.0009, 0.0008)
    assert expecting(trace).peaks() == ()
    under_a_hundredth = (0.004, 0.004, 0.004, 0.004, 0.004, 0.004, 0.002)  # 0.104 in all
    assert expecting(under_a_hundredth).peaks() == ()
    weekend = (0.1, 0.1, 0.1, 0.1, 0.1, 0.6, 0.5)
    assert [day.weekday() for day in expecting(weekend).peaks(days=7, count=2)] == [5, 6]
