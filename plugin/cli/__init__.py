"""The library's commands of the ``qinglang`` command line. The ``qinglang`` program (``service.cli``) adds
``serve`` and reads the deployment's environment into :class:`~plugin.cli.settings.CliSettings`.

Each area keeps its commands in its own module and registers them here.
"""

from __future__ import annotations

import click

__all__ = ["cli"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="qinglang-guard")
def cli() -> None:
    """qinglang-guard: lexicon matcher, rumour index and hot-list guard."""


def _register() -> None:
    from . import check as _check
    from . import discover as _discover
    from . import lexicon as _lexicon
    from . import mask as _mask
    from . import rumors as _rumors
    from . import evaluate as _evaluate
    from . import model as _model
    from . import token as _token

    cli.add_command(_check.check)
    cli.add_command(_check.scan)
    cli.add_command(_mask.mask)
    cli.add_command(_lexicon.lexicon)
    _lexicon.lexicon.add_command(_discover.discover)
    cli.add_command(_rumors.rumors)
    cli.add_command(_evaluate.evaluate)
    cli.add_command(_model.model)
    cli.add_command(_token.token)


_register()
