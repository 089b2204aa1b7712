"""A run folder remembers the data it trained on, so a resume on other data is refused.

Replacing the data folder (another data set, fewer records) or changing `--limit` and then
rerunning the same command used to resume without a word, mixing two trainings in one model.
`<run_dir>/data.json` holds the fingerprint: the checksum of `metadata.json` (it lists every
shard, count and source checksum) and the counts, shape and `--limit` in words for the message.
"""

import json
import os

from gan_tf.files import writes

FINGERPRINT_FILE = "data.json"


class DataChangedError(ValueError):
    """A run would resume on other data than its checkpoint was trained on."""


def fingerprint(folder, limit):
    """What identifies the data a run trains on (the folder's path does not: it may move), of
    an open `gan_tf.data.reader.DataFolder`."""
    metadata = folder.metadata
    return {"metadata_sha256": folder.metadata_sha256,
            "counts": {split: info.get("count") for split, info in sorted(metadata["splits"].items())},
            "image_shape": metadata.get("image_shape"), "limit": limit, "data": str(folder)}


def _differences(saved, new):
    shown = []
    for key in ("counts", "image_shape", "limit"):
        if saved.get(key) != new[key]:
            shown.append(f"{'--limit' if key == 'limit' else key} {saved.get(key)} -> {new[key]}")
    if not shown and saved.get("metadata_sha256") != new["metadata_sha256"]:
        shown.append(f"metadata.json checksum {str(saved.get('metadata_sha256'))[:12]} -> "
                     f"{new['metadata_sha256'][:12]}")
    return shown


def check(run_dir, new, allow_change=False):
    """Refuses (DataChangedError) to resume `run_dir` on data whose fingerprint differs from the
    recorded one, naming the difference; with `allow_change` says it in one line instead. A run
    recorded before fingerprints existed is resumed as before."""
    try:
        with open(os.path.join(run_dir, FINGERPRINT_FILE)) as handle:
            saved = json.load(handle)
    except (OSError, ValueError):
        return
    changes = _differences(saved, new)
    if not changes:
        return
    if not allow_change:
        raise DataChangedError(
            f"{run_dir} was trained on other data ({', '.join(changes)}); nothing was changed. "
            "Run with --fresh to start over on this data, or --allow-data-change to resume on it")
    print(f"resuming on changed data: {', '.join(changes)}", flush=True)


def record(run_dir, new):
    """Writes the fingerprint of the data this run trains on."""
    writes.write_json(os.path.join(run_dir, FINGERPRINT_FILE), new)
