"""MkDocs hook (mkdocs.yml `hooks:`): writes the command-line reference at build time from the
real argparse parsers of `gan_tf.cli`, so the page cannot drift from the CLI.

`docs/reference/cli.md` holds the marker below; `on_page_markdown` replaces it with one section
per command (usage, description, a table of its options) and, for `gan-tf train`, the options
every family shares once, then one section per family with its hyper-parameters and the value
each preset gives them. `cli_markdown()` is what the tests check against the parsers.
"""

import argparse
import dataclasses
import html
import os
import sys

MARKER = "<!-- gan-tf cli reference -->"
WIDTH = "100"  # argparse wraps usage lines to $COLUMNS: fixed, so the page is the same everywhere


def _subcommands(parser):
    """[(name, aliases, help, subparser)] of a parser's sub-commands, in the order they were added."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            parsers = action.choices
            rows = []
            for choice in action._choices_actions:
                name = choice.dest
                aliases = [key for key, value in parsers.items() if value is parsers[name] and key != name]
                rows.append((name, aliases, choice.help, parsers[name]))
            return rows
    return []


def _cell(text):
    """Text for a Markdown table cell: HTML-escaped, pipes escaped, on one line."""
    return html.escape(" ".join(str(text).split()), quote=False).replace("|", "\\|")


def _text(text):
    """A paragraph of argparse text (descriptions are shown as argparse shows them)."""
    return html.escape(" ".join(str(text).split()), quote=False)


def _flags(action):
    """`--flag METAVAR` (or the positional's name) as code."""
    if not action.option_strings:
        return f"`{action.metavar or action.dest}`"
    if action.nargs == 0:
        return ", ".join(f"`{flag}`" for flag in action.option_strings)
    metavar = action.metavar or (
        "{" + ",".join(map(str, action.choices)) + "}" if action.choices else action.dest.upper())
    if action.nargs == "?":
        metavar = f"[{metavar}]"
    elif action.nargs in ("+", "*"):
        metavar = f"{metavar} [...]"
    return ", ".join(f"`{flag} {metavar}`" for flag in action.option_strings)


def _help(parser, action):
    """The action's help as `--help` prints it (argparse expands %(default)s and %%)."""
    if not action.help or action.help == argparse.SUPPRESS:
        return ""
    return parser._get_formatter()._expand_help(action)


def _default(action):
    default = action.default
    if action.required or action.nargs == 0 or default is None or default is False \
            or default == "" or default == argparse.SUPPRESS:
        return ""
    return f"`{default}`"


def _sentence(text):
    """argparse's one-line help as a sentence: capitalised, with a full stop."""
    text = _text(text)
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _options_table(parser, actions):
    rows = ["| option | default | description |", "| --- | --- | --- |"]
    for action in actions:
        if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
            continue
        required = " (required)" if action.required and action.option_strings else ""
        choices = ""
        if action.choices and not action.option_strings:
            choices = "One of " + ", ".join(f"`{c}`" for c in action.choices) + "."
        description = " ".join(part for part in (choices, _cell(_help(parser, action))) if part)
        rows.append(f"| {_flags(action)}{required} | {_default(action)} | {description} |")
    return "\n".join(rows)


def _usage(parser):
    return "```text\n" + parser.format_usage().strip() + "\n```"


def _command_section(name, summary, parser):
    parts = [f"## `gan-tf {name}` {{ #gan-tf-{name} }}", "", _sentence(summary), "", _usage(parser)]
    if parser.description:
        parts += ["", _text(parser.description)]
    parts += ["", _options_table(parser, parser._actions)]
    return "\n".join(parts)


def _config_group(parser):
    return next((group for group in parser._action_groups if group.title.endswith("hyper-parameters")), None)


def _family_section(entry, parser):
    """One family: its summary, data and default batch, the source's text, and a table of its
    hyper-parameters with the default (`source`) and every other preset's value."""
    config = entry.config_class
    presets = {name: values for name, values in config.presets().items() if name != "source"}
    defaults = {field.name: field.default for field in dataclasses.fields(config)}
    by_preset = {}  # {preset: its aliases}; "source": other spellings of the name
    for alias, preset in entry.aliases.items():
        by_preset.setdefault(preset, []).append(f"`{alias}`")
    aliases = "; ".join(", ".join(names) + ("" if preset == "source" else f": `--preset {preset}`")
                        for preset, names in by_preset.items())
    parts = [f"### `gan-tf train {entry.name}`{f' (also {aliases})' if aliases else ''} "
             f"{{ #gan-tf-train-{entry.name} }}", "",
             f"{_sentence(entry.summary)} Data: {_text(entry.data)}. Default global batch: "
             f"{entry.default_batch_size}"
             + "".join(f"; `--preset {name}` trains at batch {batch}"
                       for name, batch in entry.preset_batch_sizes.items()) + ".",
             "", _text(config.__doc__ or "")]
    header = ["option", "default (`source`)", *(f"`{name}`" for name in presets)]
    rows = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    group = _config_group(parser)
    for action in group._group_actions:
        if action.dest == "preset":
            rows.append(f"| {_flags(action)} | `source` |" + " |" * len(presets))
            continue
        cells = [_flags(action), f"`{defaults[action.dest]}`"]
        cells += [f"`{values[action.dest]}`" if action.dest in values else "" for values in presets.values()]
        rows.append("| " + " | ".join(cells) + " |")
    fields_set_by_data = ", ".join(f"`{name}`" for name in config.DATA_FIELDS)
    if fields_set_by_data:
        rows.append("")
        rows.append(f"Set from the data's `metadata.json`, not flags: {fields_set_by_data}.")
    return "\n".join(parts + ["", *rows])


def _train_section(summary, parser):
    """`gan-tf train`: the options every family takes once, then each family's own (an alias
    that trains a preset, such as `wgan_gp`, links to its family's section)."""
    from gan_tf.registry import FAMILIES, family

    families = _subcommands(parser)
    parts = ["## `gan-tf train` { #gan-tf-train }", "", _sentence(summary), "",
             "```text\nusage: gan-tf train FAMILY [options]\n```", "", _text(parser.description), "",
             "| family | trains |", "| --- | --- |"]
    parts += [f"| [`{name}`](#gan-tf-train-{family(name).name}) | {_cell(help_text)} |"
              for name, _aliases, help_text, _family in families]
    first = families[0][3]
    group = _config_group(first)
    shared = [action for action in first._actions if action not in group._group_actions]
    parts += ["", "### Options of every family { #gan-tf-train-options }", "",
              "`--data` names the preprocessed data folder (its kind is listed per family below).",
              "", _options_table(first, shared)]
    for name, _aliases, _help_text, family_parser in families:
        if name in FAMILIES:
            parts += ["", _family_section(FAMILIES[name], family_parser)]
    return "\n".join(parts)


def cli_markdown():
    """The whole reference: `gan-tf`'s own options, then every command."""
    os.environ["COLUMNS"] = WIDTH
    from gan_tf import cli

    parser = cli.build_parser()
    top = [action for action in parser._actions if not isinstance(action, argparse._SubParsersAction)]
    parts = ["```text\n" + parser.format_usage().strip() + "\n```", "", _text(parser.description), "",
             _options_table(parser, top), "", "| command | what it does |", "| --- | --- |"]
    commands = _subcommands(parser)
    parts += [f"| [`{name}`](#gan-tf-{name}) | {_cell(help_text)} |" for name, _a, help_text, _p in commands]
    for name, _aliases, help_text, command in commands:
        section = _train_section if name == "train" else (lambda s, p, n=name: _command_section(n, s, p))
        parts += ["", section(help_text, command)]
    return "\n".join(parts) + "\n"


def on_config(config):
    """MkDocs event: document the checkout's `gan_tf`, not another installed copy."""
    root = os.path.dirname(os.path.abspath(config.config_file_path))
    if root not in sys.path:
        sys.path.insert(0, root)
    return config


def on_page_markdown(markdown, page, config, files):
    """MkDocs event: fills the marker of the CLI reference page."""
    if MARKER not in markdown:
        return markdown
    return markdown.replace(MARKER, cli_markdown())
