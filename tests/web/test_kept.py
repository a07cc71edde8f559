"""Kept values: made once however many ask at once, and made again once stale while the stale is served."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine

from revbridge.web.kept import Kept


class Slow:
    """Makes a value slowly, counting how often it was asked to."""

    def __init__(self) -> None:
        self.made = 0
        self.lock = threading.Lock()

    def __call__(self, key: str) -> tuple[str, int, datetime]:
        with self.lock:
            self.made += 1
            n = self.made
        time.sleep(0.2)
        return key, n, datetime.now(UTC)


def test_fifty_asking_at_once_make_it_once() -> None:
    slow = Slow()
    kept = Kept(slow, lambda v: v[2], timedelta(minutes=2))
    with ThreadPoolExecutor(50) as pool:
        answers = list(pool.map(lambda _: kept.get("home"), range(50)))
    assert slow.made == 1
    assert {a[1] for a in answers} == {1}


def test_a_stale_value_is_made_again_once_in_the_background_while_everyone_gets_the_stale_one() -> None:
    slow = Slow()
    kept = Kept(slow, lambda v: v[2], timedelta(milliseconds=300))
    assert kept.get("home")[1] == 1
    time.sleep(0.35)  # stale now
    started = time.perf_counter()
    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(lambda _: kept.get("home"), range(20)))
    assert time.perf_counter() - started < 0.15  # nobody waited for the 0.2 s remake
    assert {a[1] for a in answers} == {1}
    time.sleep(0.3)  # the remake is done
    assert kept.get("home")[1] == 2
    assert slow.made == 2


def test_each_key_is_its_own_and_forget_drops_them() -> None:
    slow = Slow()
    kept = Kept(slow, lambda v: v[2], timedelta(minutes=2))
    assert kept.get("a")[0] == "a"
    assert kept.get("b")[0] == "b"
    kept.forget()
    kept.get("a")
    assert slow.made == 3


def test_warming_computes_the_home_pages_numbers_before_anyone_asks(demo: Engine, sqlite_engine: Engine) -> None:
    from revbridge.web.numbers import SharedNumbers
    from revbridge.web.pages.home import NUMBERS

    numbers = SharedNumbers(demo)
    numbers.warm(NUMBERS).join(timeout=120)
    asked_at = datetime.now(UTC)
    assert all(numbers.get(name).at < asked_at for name in NUMBERS)  # kept from the warming, not computed now
    empty = SharedNumbers(sqlite_engine)  # no SLA yet: nothing to compute, and no error
    empty.warm(NUMBERS).join(timeout=30)
