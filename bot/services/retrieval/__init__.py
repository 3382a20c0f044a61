"""Parts of the policy search (bot/services/knowledge.py) that are word lists and rules
rather than the index: kept apart so the search code stays readable."""
