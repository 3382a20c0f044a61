#!/usr/bin/env python3
"""The one entry point.  `python run_bot.py --help` lists the commands."""

from bot.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
