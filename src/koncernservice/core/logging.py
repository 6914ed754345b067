"""A log filter that masks anything that looks like a CPR number, so none is ever logged."""

from __future__ import annotations

import logging
import re

CPR_PATTERN = re.compile(r"\b(\d{6})-?(\d{4})\b")


def mask_cpr_text(text: str) -> str:
    return CPR_PATTERN.sub(r"\1-****", text)


class MaskCprFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_cpr_text(message)
        if masked != message:
            record.msg = masked
            record.args = ()
        return True
