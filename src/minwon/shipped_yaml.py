"""The YAML files minwon ships (its words in each language, the English of its messages, the
sentiment lexicon), read with libyaml when PyYAML was built with it: they are read at every
start of every process, and the C reader takes a seventh of the time. Files people write (the
organisation file) are read by ``yaml.safe_load``, whose messages point at the faulty line."""

from typing import Any

import yaml

_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read(text: str) -> Any:
    """The data of one of minwon's own YAML files (plain YAML types only, as ``safe_load``)."""
    return yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader, C or Python
