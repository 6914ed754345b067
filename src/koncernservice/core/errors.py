"""One domain error type for every business operation.

Services raise :class:`DomainError`; pages show its messages, the API turns it into problem
details (RFC 9457) and the CLI prints it and exits non-zero. Messages are Danish through
gettext; ``code`` and ``field`` are stable for machines.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext


@dataclass
class ErrorDetail:
    message: str
    field: str | None = None
    code: str = "invalid"
    row: int | None = None
    source: str | None = None

    def as_dict(self) -> dict[str, object]:
        data: dict[str, object] = {"message": str(self.message), "code": self.code}
        if self.field is not None:
            data["field"] = self.field
        if self.row is not None:
            data["row"] = self.row
        if self.source is not None:
            data["source"] = self.source
        return data

    def __str__(self) -> str:
        where = []
        if self.source:
            where.append(str(self.source))
        if self.row is not None:
            where.append(gettext("row %(n)d") % {"n": self.row})
        if self.field:
            where.append(gettext("field '%(f)s'") % {"f": self.field})
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else str(self.message)


@dataclass
class DomainError(Exception):
    """A business operation was refused; nothing was written."""

    message: str
    errors: list[ErrorDetail] = field(default_factory=list)
    status: int = 400

    def __post_init__(self) -> None:
        super().__init__(str(self.message))

    @classmethod
    def single(
        cls, message: str, *, field: str | None = None, code: str = "invalid", status: int = 400
    ) -> DomainError:
        return cls(message, [ErrorDetail(message=message, field=field, code=code)], status=status)

    def __str__(self) -> str:
        """One line for one error (with where it is), else a heading and one line per error."""
        if len(self.errors) == 1:
            return str(self.errors[0])
        return "\n".join([str(self.message), *(f"  - {e}" for e in self.errors)])


class AccessDenied(DomainError):
    """The acting user lacks the role for this operation in this unit."""

    def __init__(self, message: str) -> None:
        super().__init__(message, [ErrorDetail(message=message, code="forbidden")], status=403)


def too_large(column: object, where: str | None = None) -> ErrorDetail:
    """The error for a number with more digits than its column (``core.rules.numbers``)."""
    from koncernservice.core.rules.numbers import integer_digits

    return ErrorDetail(
        gettext("Too large: at most %(digits)d digits before the decimal point.")
        % {"digits": integer_digits(column)},
        field=where,
        code="too_large",
    )
