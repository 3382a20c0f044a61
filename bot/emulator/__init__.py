"""A local Telegram Bot API emulator for tests and offline demos.

Start a TelegramEmulator, point the real aiogram or python-telegram-bot client at its
base_url, script users with `emulator.user(...)`, and assert on what they received and on
`emulator.rejections` (calls Telegram would have refused).
"""

from bot.emulator.emulator import TelegramEmulator
from bot.emulator.errors import ApiError, ScriptError
from bot.emulator.faults import Fault, FaultPlan
from bot.emulator.groups import Supergroup
from bot.emulator.images import image_size, sample_jpeg, sample_png, sample_sticker
from bot.emulator.models import ApiCall, Rejection, Topic
from bot.emulator.users import ScriptedUser

__all__ = [
    "ApiCall",
    "ApiError",
    "Fault",
    "FaultPlan",
    "Rejection",
    "ScriptError",
    "ScriptedUser",
    "Supergroup",
    "TelegramEmulator",
    "Topic",
    "image_size",
    "sample_jpeg",
    "sample_png",
    "sample_sticker",
]
