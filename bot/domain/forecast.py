"""Demand forecast: daily order counts → the next days, with an honest backtest.

Pure Python and numpy, no database and no clock: the caller hands in whole days
(counted in the shop's timezone) and the date of the first one.

Why this model.  Shop orders have a weekly rhythm (weekends differ from weekdays) on
top of a level that drifts (a season, a promotion, a slow month).  The method is the
classic Holt-Winters idea, kept small enough to read:

1. **Weekly profile.**  Each weekday's factor is the mean ratio of that weekday's count
   to a centred 7-day moving average over the last (up to) eight weeks of history,
   normalised so the seven factors average 1.  Ratios to a moving average, not to the
   overall mean, so a trend does not leak into the profile.
2. **Level and trend** of the de-seasonalised series (count ÷ its weekday factor) by
   Holt's exponential smoothing with a damped trend (the trend fades out over the
   horizon instead of running away).  The smoothing weights are chosen from a small
   grid by the smallest one-step-ahead squared error on the history itself.
3. **Smoothed forecast** = (level + damped trend) × the weekday factor, never below
   zero.
4. **Forecast** = a weighted mean of the smoothed forecast and "same as last week".
   Combining two forecasts whose errors differ is the oldest reliable trick of
   forecasting (combinations won the M competitions): the smoothed one knows the
   weekly shape and shrugs off one odd day, last week knows what is happening now.
   Each one's weight is inverse to its squared error at forecasting the history's own
   last 14 days from the days before, so a steady trend (which "last week" lags)
   leaves the smoothed forecast nearly alone, and noise shares the weight.  On the
   demo history (14-day backtests at four origins) the smoothed forecast alone lost to
   "same as last week" for one of the two shops (MAE 2.70 against 2.55 orders a day);
   the weighted mean beats it for both shops and all six top products, and on the
   simulated half-years of `tests/bench/forecast.py --synthetic --folds 4` at every
   volume.

With less than `SEASONAL_MIN_DAYS` (three weeks) of history a weekly profile cannot be
told from noise, so the forecast falls back to a model a seller can check by hand: the
mean of each weekday over the history (at least one full week), or the overall mean
(under a week).  `Forecast.method` says which was used.

**Backtest.**  The last `BACKTEST_DAYS` (14) days are held out, the same procedure is
fitted on the days before, and its forecast of the held-out days is compared with what
happened, next to the naive "same as last week" forecast (the last week before the
held-out days, repeated).  Errors are MAE (orders per day) and WAPE (sum of absolute
errors ÷ sum of actual orders: a percentage that, unlike MAPE, stays defined on days
with no orders).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

import numpy as np

WEEK = 7
SEASONAL_MIN_DAYS = 3 * WEEK  # below this, the weekly profile is noise
PROFILE_WEEKS = 8  # the weekly profile is read from the most recent weeks
BACKTEST_DAYS = 14
BACKTEST_MIN_TRAIN = WEEK  # fewer days to fit on: no backtest at all
HORIZONS = (14, 28)
PEAK_DAYS = 3

# Smoothing weights tried for the level (alpha), the trend (beta) and the trend's
# damping (phi).  A small grid: fitting is a few thousand arithmetic steps.
ALPHAS = (0.05, 0.1, 0.2, 0.3, 0.5, 0.7)
BETAS = (0.0, 0.02, 0.05, 0.1, 0.2)
PHIS = (0.8, 0.9, 0.98)


class Method(StrEnum):
    SEASONAL = "seasonal"  # weekly profile × damped Holt level and trend
    WEEKDAY_MEAN = "weekday_mean"  # mean of each weekday (one to three weeks of history)
    MEAN = "mean"  # overall mean (under a week)
    NONE = "none"  # no history at all: nothing to say


@dataclass(frozen=True, slots=True)
class Backtest:
    """How the method did on the last `days` days, fitted without them."""

    days: int
    trained_on: int  # days of history the backtest's fit saw
    method: Method
    mae: float  # mean absolute error, orders per day
    naive_mae: float  # the same for "same as last week"
    wape: float | None  # sum |error| ÷ sum actual; None when nothing was ordered
    naive_wape: float | None
    actual: tuple[float, ...]
    predicted: tuple[float, ...]
    naive: tuple[float, ...]

    @property
    def beats_naive(self) -> bool:
        return self.mae < self.naive_mae


@dataclass(frozen=True, slots=True)
class Forecast:
    first_day: date  # the day `values[0]` is for: the day after the history
    values: tuple[float, ...]  # expected orders per day, `max(HORIZONS)` days
    method: Method
    history_days: int
    weekly_profile: tuple[float, ...] | None  # Monday..Sunday factors (seasonal only)
    backtest: Backtest | None  # None when the history is too short to hold days out

    def total(self, days: int) -> float:
        return float(sum(self.values[:days]))

    def peaks(self, days: int = max(HORIZONS), count: int = PEAK_DAYS) -> tuple[date, ...]:
        """The `count` days with the highest forecast within `days`, in date order;
        none when nothing is expected.  Values are compared to 0.01 order, so days the
        model sees as equal (two weekend days) tie, and the earlier one wins.  A shop
        whose last orders are months old is forecast a trace of an order a day: below
        0.01 a day, or 0.1 in all (shown as "~0 orders"), no day is busier than another."""
        if round(self.total(days), 1) <= 0:
            return ()
        ranked = sorted(
            range(min(days, len(self.values))), key=lambda i: (-round(self.values[i], 2), i)
        )
        chosen = sorted(i for i in ranked[:count] if round(self.values[i], 2) > 0)
        return tuple(self.first_day + timedelta(days=i) for i in chosen)


def forecast(history: Sequence[float], first_day: date, horizon: int = max(HORIZONS)) -> Forecast:
    """Forecast the `horizon` days after `history` (one count per day, the first on
    `first_day`), with the backtest of the same procedure on the last days."""
    values = np.asarray(history, dtype=float)
    start = first_day + timedelta(days=len(values))
    predicted, method, profile = _predict(values, first_day, horizon)
    return Forecast(
        first_day=start,
        values=tuple(float(v) for v in predicted),
        method=method,
        history_days=len(values),
        weekly_profile=profile,
        backtest=backtest(values, first_day),
    )


def backtest(
    history: Sequence[float] | np.ndarray, first_day: date, days: int = BACKTEST_DAYS
) -> Backtest | None:
    """Hold out the last `days` days, fit on the rest, compare with "same as last week".

    None when fewer than `days + BACKTEST_MIN_TRAIN` days exist: a week to fit on is
    the least that also gives the naive forecast its week."""
    values = np.asarray(history, dtype=float)
    if len(values) < days + BACKTEST_MIN_TRAIN:
        return None
    train, actual = values[:-days], values[-days:]
    predicted, method, _ = _predict(train, first_day, days)
    naive = same_as_last_week(train, days)
    return Backtest(
        days=days,
        trained_on=len(train),
        method=method,
        mae=_mae(actual, predicted),
        naive_mae=_mae(actual, naive),
        wape=_wape(actual, predicted),
        naive_wape=_wape(actual, naive),
        actual=tuple(float(v) for v in actual),
        predicted=tuple(float(v) for v in predicted),
        naive=tuple(float(v) for v in naive),
    )


def same_as_last_week(history: np.ndarray, horizon: int) -> np.ndarray:
    """The naive seasonal forecast: the last seven days, repeated."""
    last = history[-WEEK:]
    return np.resize(last, horizon).astype(float)


# ------------------------------------------------------------------ the methods


def _predict(
    values: np.ndarray, first_day: date, horizon: int
) -> tuple[np.ndarray, Method, tuple[float, ...] | None]:
    n = len(values)
    if n == 0:
        return np.zeros(horizon), Method.NONE, None
    if not values.any():  # all zeros: any method says zero; say which it would be
        method = Method.SEASONAL if n >= SEASONAL_MIN_DAYS else _fallback_method(n)
        return np.zeros(horizon), method, None
    if n < SEASONAL_MIN_DAYS:
        return _fallback(values, first_day, horizon), _fallback_method(n), None
    smoothed, factors = _smoothed(values, first_day, horizon)
    weight = _smoothed_weight(values, first_day)
    predicted = weight * smoothed + (1 - weight) * same_as_last_week(values, horizon)
    # Monday-first order for display, whatever weekday the history began on.
    return predicted, Method.SEASONAL, tuple(float(f) for f in factors)


def _smoothed(values: np.ndarray, first_day: date, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """Steps 1-3: the weekly profile × damped Holt forecast, and the profile."""
    n = len(values)
    weekdays = _weekdays(first_day, n)
    factors = weekly_profile(values, weekdays)
    future = _weekdays(first_day + timedelta(days=n), horizon)
    level, trend, phi = _holt(values, factors[weekdays])
    damped = np.cumsum(phi ** np.arange(1, horizon + 1))  # φ + φ² + … + φʰ
    return np.maximum((level + damped * trend) * factors[future], 0.0), factors


def _smoothed_weight(values: np.ndarray, first_day: date) -> float:
    """Step 4: how much the smoothed forecast counts against "same as last week".

    Both forecast the history's last `BACKTEST_DAYS` from the days before; each gets a
    weight in inverse proportion to its squared error there (equal weights when the
    history is too short to hold days out, or when neither erred)."""
    if len(values) < SEASONAL_MIN_DAYS + BACKTEST_DAYS:
        return 0.5
    train, actual = values[:-BACKTEST_DAYS], values[-BACKTEST_DAYS:]
    smoothed, _ = _smoothed(train, first_day, BACKTEST_DAYS)
    smoothed_error = float(np.mean((actual - smoothed) ** 2))
    naive_error = float(np.mean((actual - same_as_last_week(train, BACKTEST_DAYS)) ** 2))
    if smoothed_error + naive_error == 0:
        return 0.5
    return naive_error / (smoothed_error + naive_error)


def _weekday_means(values: np.ndarray, weekdays: np.ndarray) -> np.ndarray:
    """Monday..Sunday: the mean count of each weekday in `values` (every weekday
    present: the caller hands in at least a week)."""
    return np.array([values[weekdays == d].mean() for d in range(WEEK)])


def _fallback_method(n: int) -> Method:
    return Method.WEEKDAY_MEAN if n >= WEEK else Method.MEAN


def _fallback(values: np.ndarray, first_day: date, horizon: int) -> np.ndarray:
    n = len(values)
    if n < WEEK:
        return np.full(horizon, values.mean())
    means = _weekday_means(values, _weekdays(first_day, n))
    return means[_weekdays(first_day + timedelta(days=n), horizon)]


def _weekdays(first_day: date, n: int) -> np.ndarray:
    """Monday = 0 … Sunday = 6 for `n` days from `first_day`."""
    return (first_day.weekday() + np.arange(n)) % WEEK


def weekly_profile(values: np.ndarray, weekdays: np.ndarray) -> np.ndarray:
    """Monday..Sunday factors averaging 1: each weekday's mean ratio to the centred
    7-day moving average, over the last `PROFILE_WEEKS` weeks (classical decomposition).

    A weekday whose moving averages are all zero (no orders anywhere near it) gets the
    factor 1; a factor of 0 is kept (a shop closed on Sundays sells nothing then)."""
    recent = slice(max(0, len(values) - PROFILE_WEEKS * WEEK - WEEK), len(values))
    v, d = values[recent], weekdays[recent]
    window = np.ones(WEEK) / WEEK
    centred = np.convolve(v, window, mode="valid")  # centred on v[3:-3]
    middle, days = v[3 : 3 + len(centred)], d[3 : 3 + len(centred)]
    factors = np.ones(WEEK)
    for day in range(WEEK):
        mask = (days == day) & (centred > 0)
        if mask.any():
            factors[day] = float(np.mean(middle[mask] / centred[mask]))
    mean = factors.mean()
    return factors / mean if mean > 0 else np.ones(WEEK)


def _holt(values: np.ndarray, factors: np.ndarray) -> tuple[float, float, float]:
    """Level and trend at the end of the history, and the damping, of the series with
    its weekly profile taken out; the weights that forecast it best one day ahead."""
    best: tuple[float, float, float, float] | None = None
    # Plain floats: the loop below is scalar arithmetic, several times faster than on
    # numpy scalars.
    series, weights = values.tolist(), factors.tolist()
    for alpha in ALPHAS:
        for beta in BETAS:
            for phi in PHIS:
                level, trend, sse = _smooth(series, weights, alpha, beta, phi)
                if best is None or sse < best[0]:
                    best = (sse, level, trend, phi)
    assert best is not None
    return best[1], best[2], best[3]


def _smooth(
    values: list[float], factors: list[float], alpha: float, beta: float, phi: float
) -> tuple[float, float, float]:
    first_week = [v / f for v, f in zip(values[:WEEK], factors[:WEEK], strict=True) if f > 0]
    level = sum(first_week) / len(first_week) if first_week else 0.0
    trend = 0.0
    sse = 0.0
    for value, factor in zip(values, factors, strict=True):
        expected = level + phi * trend
        sse += (value - expected * factor) ** 2
        if factor <= 0:  # a day the profile says is empty tells nothing of the level
            level, trend = expected, phi * trend
            continue
        new_level = alpha * (value / factor) + (1 - alpha) * expected
        trend = beta * (new_level - level) + (1 - beta) * phi * trend
        level = new_level
    return level, trend, sse


def _mae(actual: np.ndarray, predicted: np.ndarray) -> float:
    return float(np.mean(np.abs(actual - predicted)))


def _wape(actual: np.ndarray, predicted: np.ndarray) -> float | None:
    total = float(np.sum(np.abs(actual)))
    if total == 0:
        return None
    return float(np.sum(np.abs(actual - predicted)) / total)
