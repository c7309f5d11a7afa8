"""What an admin gives to set up Open311 (Pydantic): client keys, services, attributes."""

from datetime import datetime
from typing import Literal

from limits import parse
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from minwon.textutil import OneLine

DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
LIST_TYPES = ("singlevaluelist", "multivaluelist")
Datatype = Literal["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]
CODE_PATTERN = r"^[A-Za-z][A-Za-z0-9_-]{0,63}$"
"""Service and attribute codes: usable as XML element names and in ``attribute[code]``."""


class KeyCreate(BaseModel):
    """A new client key: who it is for, the offices it may file into, its rate limit."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: OneLine = Field(min_length=1, max_length=100)
    offices: list[str] = Field(min_length=1, max_length=200, description="office codes")
    rate_limit: str = Field("60/hour", max_length=32, description="e.g. 60/hour, 10/minute")

    @field_validator("rate_limit")
    @classmethod
    def _a_limit(cls, value: str) -> str:
        """Refuse what the ``limits`` package cannot read (``60/hour`` is fine)."""
        try:
            parse(value)
        except ValueError as exc:
            raise ValueError("a limit such as 60/hour or 10/minute") from exc
        return value


class ServiceBase(BaseModel):
    """The fields of a service an admin may change."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: OneLine = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=2000)
    category: OneLine | None = Field(None, max_length=200, description="category code or name")
    kind: str = Field("request", min_length=1, max_length=32, description="voice kind")
    group: OneLine = Field("", max_length=100)
    keywords: OneLine = Field("", max_length=300)
    active: bool = True


class ServiceCreate(ServiceBase):
    """A new service of an office (its ``jurisdiction_id``)."""

    office: str = Field(min_length=1, max_length=32, description="office code")
    code: str = Field(pattern=CODE_PATTERN)


class ValueIn(BaseModel):
    """One allowed value of a list attribute."""

    key: str = Field(min_length=1, max_length=100)
    name: str = Field(min_length=1, max_length=200)


class AttributeIn(BaseModel):
    """A question of a service definition; list datatypes need their values."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    code: str = Field(pattern=CODE_PATTERN)
    datatype: Datatype
    description: str = Field(min_length=1, max_length=1000)
    datatype_description: OneLine = Field("", max_length=300)
    order: int = Field(1, ge=1, le=1000)
    required: bool = False
    variable: bool = True
    values: list[ValueIn] = Field(default_factory=list, max_length=200)

    @model_validator(mode="after")
    def _values_for_lists(self) -> "AttributeIn":
        """A list attribute needs values with distinct keys; other datatypes take none."""
        if self.datatype in LIST_TYPES and not self.values:
            raise ValueError("a list attribute needs its values")
        if self.datatype not in LIST_TYPES and self.values:
            raise ValueError("only list attributes take values")
        keys = [v.key for v in self.values]
        if len(set(keys)) != len(keys):
            raise ValueError("value keys must differ")
        return self


class KeyRead(BaseModel):
    """A client key as the admin sees it: never the key itself, only its first letters."""

    id: int
    name: str
    hint: str
    rate_limit: str
    offices: list[str]
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class KeyIssued(KeyRead):
    """A freshly issued key: ``key`` is shown in this answer only, never again."""

    key: str


class AttributeRead(BaseModel):
    """An attribute of a service (an extra question a client answers)."""

    id: int
    code: str
    datatype: str
    description: str
    datatype_description: str
    order: int
    required: bool
    variable: bool
    values: list[ValueIn]


class ServiceRead(BaseModel):
    """A service an office offers over Open311, with its attributes."""

    id: int
    office: str
    code: str
    name: str
    description: str
    category: str | None
    kind: str
    group: str
    keywords: str
    active: bool
    updated_at: datetime
    attributes: list[AttributeRead]
