"""Write the policy search's question bank from the tuning shops (not collected by pytest).

    python tests/bench/question_bank.py

The bank (`bot/services/retrieval/question_bank.json`) is every labelled question of
the twenty-one English tuning shops (tests/bench/policies.py: the bundled sample without
its search lines, homeware, UK kitchenware, US electronics, Australian beauty, Canadian
toys, New Zealand pets, UK books, Irish jewellery, US coffee, US clothing, a UK garden
centre, Canadian personalised gifts; US furniture, UK yarn, Australian supplements, US
phone cases, Canadian auto parts, US candles, UK food hampers, Irish games) with the
section that answers it, as its heading and paragraphs: what retrieval/bridge.py compares a new
shop's sections with.  The held-out folder is never read here.  Run it again when a
tuning shop's questions or policies change; tests/unit/test_question_bank.py fails
until then.
"""

from __future__ import annotations

import json
import sys

from policies import bank_shops

from bot.services.retrieval.bridge import BANK, bank_from


def main() -> int:
    bank = bank_from([(str(s.bank_name), s.chunks, s.questions) for s in bank_shops()])
    BANK.write_text(json.dumps(bank, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{BANK}: {len(bank['questions'])} questions, {len(bank['sections'])} sections")
    return 0


if __name__ == "__main__":
    sys.exit(main())
