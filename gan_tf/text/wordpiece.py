"""BERT's uncased WordPiece tokenizer in TensorFlow ops, so it runs inside a SavedModel.

TF Serving takes raw caption strings only if tokenization is part of the graph: the Rust
`tokenizers` package cannot be, and tensorflow-text ops are not in the stock server. This
follows Hugging Face's BertNormalizer + BertPreTokenizer + WordPiece for all-MiniLM-L6-v2
(clean text, lowercase, split on whitespace and punctuation, CJK characters on their own,
greedy longest-match-first pieces with "##" continuations, [UNK] for a word with no split or
over 100 characters, [CLS] ... [SEP], truncation). The tests compare its ids with the reference
tokenizer. Not ported: accent stripping (NFD) — accented letters map to other pieces than the
reference's.
"""

import tensorflow as tf

_PUNCTUATION = r"([!-/:-@\[-`{-~]|\pP)"
_CJK = (r"([\x{4E00}-\x{9FFF}\x{3400}-\x{4DBF}\x{20000}-\x{2A6DF}\x{2A700}-\x{2B73F}"
        r"\x{2B740}-\x{2B81F}\x{2B820}-\x{2CEAF}\x{F900}-\x{FAFF}\x{2F800}-\x{2FA1F}])")


class WordPieceTokenizer(tf.Module):
    """string [N] -> (ids int32 [N, L], mask int32 [N, L]), L the longest row (<= max_length)."""

    def __init__(self, vocab_path, max_length=256, max_chars_per_word=100):
        super().__init__(name="wordpiece")
        with tf.io.gfile.GFile(vocab_path) as handle:
            vocab = [line.rstrip("\n") for line in handle]
        index = {token: i for i, token in enumerate(vocab)}
        self.cls, self.sep, self.unk = index["[CLS]"], index["[SEP]"], index["[UNK]"]
        self.max_length = max_length
        self.max_chars = max_chars_per_word
        self.table = tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer(tf.constant(vocab), tf.range(len(vocab), dtype=tf.int64)),
            default_value=-1)

    def words(self, texts):
        """ragged [N, (words)]: normalised, split on whitespace and punctuation."""
        texts = tf.strings.regex_replace(texts, r"[\t\n\r]|\p{Zs}", " ")
        texts = tf.strings.regex_replace(texts, r"\p{C}|\x{FFFD}", "")
        texts = tf.strings.lower(texts, encoding="utf-8")
        texts = tf.strings.regex_replace(texts, _CJK, r" \1 ")
        texts = tf.strings.regex_replace(texts, _PUNCTUATION, r" \1 ")
        return tf.strings.split(texts)

    def word_pieces(self, words):
        """ragged [W, (pieces)] of vocabulary ids for a flat batch of words."""
        lengths = tf.strings.length(words, unit="UTF8_CHAR")
        count = tf.size(words)
        longest = tf.minimum(tf.reduce_max(tf.concat([lengths, [1]], 0)), self.max_chars)
        candidate = tf.range(1, longest + 1)  # piece lengths tried, longest wins

        def step(i, start, failed, pieces, emitted):
            active = (start < lengths) & ~failed
            position = tf.where(active, start, 0)
            grid = [count, longest]
            text = tf.strings.substr(tf.broadcast_to(words[:, None], grid),
                                     tf.broadcast_to(position[:, None], grid),
                                     tf.broadcast_to(candidate[None, :], grid), unit="UTF8_CHAR")
            text = tf.where(position[:, None] > 0, "##" + text, text)
            ids = self.table.lookup(text)
            fits = position[:, None] + candidate[None, :] <= lengths[:, None]
            best = tf.reduce_max(tf.where((ids >= 0) & fits, candidate[None, :], 0), axis=1)
            chosen = tf.gather(ids, tf.maximum(best - 1, 0), batch_dims=1)
            emit = active & (best > 0)
            return (i + 1, start + tf.where(emit, best, 0), failed | (active & (best == 0)),
                    tf.concat([pieces, tf.where(emit, chosen, -1)[:, None]], 1),
                    tf.concat([emitted, emit[:, None]], 1))

        too_long = lengths > self.max_chars
        # [words, steps] piece ids and whether each step emitted one; the first column is room
        # for the [UNK] of a word that failed before any step (too long).
        initial = (0, tf.zeros_like(lengths), too_long, tf.fill([count, 1], tf.constant(-1, tf.int64)),
                 tf.zeros([count, 1], tf.bool))
        _, _, failed, pieces, emitted = tf.while_loop(
            lambda i, start, failed, *_: (i < longest) & tf.reduce_any((start < lengths) & ~failed),
            step, initial,
            shape_invariants=(tf.TensorShape([]), tf.TensorShape([None]), tf.TensorShape([None]),
                              tf.TensorShape([None, None]), tf.TensorShape([None, None])))
        # A word with any unmatched rest becomes one [UNK], as in BERT.
        first = tf.range(tf.shape(pieces)[1])[None, :] == 0
        emitted = tf.where(failed[:, None], first, emitted)
        pieces = tf.where(failed[:, None], tf.constant(self.unk, tf.int64), pieces)
        return tf.ragged.boolean_mask(pieces, emitted)

    def __call__(self, texts):
        texts = tf.reshape(tf.convert_to_tensor(texts, tf.string), [-1])
        words = self.words(texts)
        pieces = self.word_pieces(words.flat_values)
        tokens = words.with_flat_values(pieces).merge_dims(1, 2)[:, : self.max_length - 2]
        rows = tf.shape(texts, out_type=tf.int64)[0]
        ids = tf.concat([tf.fill([rows, 1], tf.constant(self.cls, tf.int64)), tokens,
                         tf.fill([rows, 1], tf.constant(self.sep, tf.int64))], axis=1)
        mask = tf.ones_like(ids, tf.int32)
        return tf.cast(ids.to_tensor(0), tf.int32), mask.to_tensor(0)

