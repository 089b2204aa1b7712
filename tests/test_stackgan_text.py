"""StackGAN's text side: the MiniLM port, the in-graph tokenizer, the embedders, the captioned
sources and the Beam stage that links captions and their vectors to their image."""

import json
import os
import pickle

import numpy as np
import pytest
import tensorflow as tf

from gan_tf.data import records
from gan_tf.pipeline.embedders import HashEmbedder, MiniLMEmbedder, make_embedder
from gan_tf.pipeline.sources.captions import CLASS_PHRASES, THRESHOLDS, image_attributes, make_captions
from tests.extras import require_minilm_weights

# sbert.net, "Usage" page: all-MiniLM-L6-v2 similarities of these sentences, printed to 4 places.
REFERENCE = ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."]
PUBLISHED = {(0, 1): 0.6660, (0, 2): 0.1046, (1, 2): 0.1411}


@pytest.fixture(scope="module")
def sentence_encoder():
    from gan_tf.text.minilm import SentenceEncoder

    require_minilm_weights()
    return SentenceEncoder()


def test_minilm_port_matches_the_published_similarities(sentence_encoder):
    vectors = sentence_encoder.encode(REFERENCE)
    assert vectors.shape == (3, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    similarity = vectors @ vectors.T
    for (i, j), published in PUBLISHED.items():
        assert abs(similarity[i, j] - published) < 2e-4, (i, j, similarity[i, j])


def test_padding_is_masked_in_the_pooling(sentence_encoder):
    alone = sentence_encoder.encode(["a dark coat"])
    padded = sentence_encoder.encode(["a dark coat", "a much longer caption that forces a lot of padding on the first"])
    np.testing.assert_allclose(alone[0], padded[0], atol=1e-5)


def test_in_graph_tokenizer_matches_the_reference_tokenizer(sentence_encoder):
    from gan_tf.text.wordpiece import WordPieceTokenizer

    tokenizer = WordPieceTokenizer(os.path.join(sentence_encoder.model_dir, "vocab.txt"))
    texts = REFERENCE + ["A small, DARK T-shirt/top -- 30% of the canvas!", "unaffable xylophonists",
                         "", "  tabs\tand\nnewlines ", "中文 mixed", "x" * 120 + " end", "ankle-boot's"]
    ids, mask = sentence_encoder.tokenize(texts)
    graph = tf.function(tokenizer, input_signature=[tf.TensorSpec([None], tf.string)])
    got_ids, got_mask = graph(tf.constant(texts))
    np.testing.assert_array_equal(got_ids.numpy(), ids)
    np.testing.assert_array_equal(got_mask.numpy(), mask)
    np.testing.assert_array_equal(graph(tf.constant(["", " "]))[0].numpy(), sentence_encoder.tokenize(["", " "])[0])


def test_embedders_give_identical_vectors_for_identical_captions(sentence_encoder):
    captions = ["a dark coat", "a bright sandal", "a dark coat"]
    for embedder in (HashEmbedder(32), MiniLMEmbedder()):
        vectors = embedder.embed(captions)
        assert vectors.dtype == np.float32 and vectors.shape == (3, embedder.dim)
        np.testing.assert_array_equal(vectors[0], vectors[2])
        assert not np.allclose(vectors[0], vectors[1])
    # the hash embedder is the same in every process (no salted hash())
    np.testing.assert_array_equal(HashEmbedder(32).embed(["a dark coat"]), HashEmbedder(32).embed(["a dark coat"]))


def test_precomputed_embeddings_from_npy_and_stackgan_pickles(tmp_path):
    array = np.random.default_rng(0).normal(size=(3, 2, 8)).astype(np.float32)
    np.save(tmp_path / "train.npy", array)
    with open(tmp_path / "test.pickle", "wb") as handle:
        pickle.dump([row for row in array], handle, protocol=2)
    embedder = make_embedder("precomputed", {"train": str(tmp_path / "train.npy"),
                                             "test": str(tmp_path / "test.pickle")})
    assert embedder.dim == 8
    np.testing.assert_array_equal(embedder.embed(["a", "b"], ("train", 1)), array[1])
    np.testing.assert_array_equal(embedder.embed([], ("test", 2)), array[2])
    with pytest.raises(ValueError, match="3 captions but 2"):
        embedder.embed(["a", "b", "c"], ("train", 0))


def test_captions_name_the_class_and_describe_the_image(small_idx_dir):
    from tests.conftest import read_idx

    images = read_idx(os.path.join(small_idx_dir, "train-images-idx3-ubyte.gz"), 64)[..., None]
    labels = read_idx(os.path.join(small_idx_dir, "train-labels-idx1-ubyte.gz"), 64)
    for image, label in zip(images, labels):
        phrase = CLASS_PHRASES["fashion_mnist"][label]
        captions = make_captions(image, phrase, 5, THRESHOLDS["fashion_mnist"], seed=0)
        assert len(set(captions)) == 5 and all(phrase in c for c in captions)
        words = image_attributes(image, THRESHOLDS["fashion_mnist"])
        assert any(words["tone"] in c for c in captions) or any(words["size"] in c for c in captions)
    # attributes are measured: a faint, small copy of an image is described differently
    dim = (images[0] // 4).copy()
    assert image_attributes(dim, THRESHOLDS["fashion_mnist"])["tone"] == "dark"


def test_captioned_records_keep_captions_and_vectors_with_their_image(small_captioned_data):
    metadata = json.load(open(os.path.join(small_captioned_data, "metadata.json")))
    assert metadata["embedding_dim"] == 16 and metadata["embedder"] == {"name": "hash", "dim": 16}
    assert metadata["splits"]["train"]["count"] == 160 and metadata["name"] == "captioned_fashion_mnist"
    files = [os.path.join(small_captioned_data, f) for f in metadata["splits"]["train"]["shards"]]
    embedder = HashEmbedder(16)
    dataset = tf.data.TFRecordDataset(files).map(lambda s: records.parse_example(s, 1, embedding_dim=16))
    for image, label, captions, embeddings in dataset.take(40):
        texts = [c.decode() for c in captions.numpy()]
        assert len(texts) == 3 and all(CLASS_PHRASES["fashion_mnist"][int(label)] in t for t in texts)
        np.testing.assert_array_equal(embeddings.numpy(), embedder.embed(texts))
        assert image.shape == (28, 28, 1)


def test_cub_layout_with_precomputed_embeddings(tmp_path, small_idx_dir):
    """A CUB-format folder (images/<class>/<id>.png, text/<class>/<id>.txt, train/test lists)
    made of real Fashion-MNIST images, embedded with precomputed vectors."""
    from PIL import Image

    from gan_tf.pipeline import preprocess
    from gan_tf.pipeline.sources.captions import CubSource
    from tests.conftest import read_idx

    images = read_idx(os.path.join(small_idx_dir, "train-images-idx3-ubyte.gz"), 6)
    root = tmp_path / "cub"
    ids = {"train": [], "test": []}
    for index, image in enumerate(images):
        image_id = f"{index % 2:03d}.class/image_{index}"
        (root / "images" / os.path.dirname(image_id)).mkdir(parents=True, exist_ok=True)
        (root / "text" / os.path.dirname(image_id)).mkdir(parents=True, exist_ok=True)
        Image.fromarray(image).save(root / "images" / f"{image_id}.png")
        (root / "text" / f"{image_id}.txt").write_text(f"caption one of {index}\ncaption two of {index}\n")
        ids["train" if index < 4 else "test"].append(image_id)
    vectors = {}
    for split, names in ids.items():
        (root / f"{split}.txt").write_text("\n".join(names))
        vectors[split] = np.random.default_rng(len(names)).normal(size=(len(names), 2, 4)).astype(np.float32)
        np.save(tmp_path / f"{split}.npy", vectors[split])
    embedder = make_embedder("precomputed", {s: str(tmp_path / f"{s}.npy") for s in ids})
    output = str(tmp_path / "records")
    metadata = preprocess.run(CubSource(str(root), embedder, image_size=16, channels=1), output, shards={"train": 1})
    assert metadata["class_names"] == ["000.class", "001.class"] and metadata["embedding_dim"] == 4
    files = [os.path.join(output, f) for f in metadata["splits"]["test"]["shards"]]
    found = {}
    for image, label, captions, embeddings in tf.data.TFRecordDataset(files).map(
            lambda s: records.parse_example(s, 1, embedding_dim=4)):
        index = int(captions.numpy()[0].decode().rsplit(" ", 1)[1])
        assert image.shape == (16, 16, 1) and int(label) == index % 2
        found[index] = embeddings.numpy()
    np.testing.assert_array_equal(found[4], vectors["test"][0])
    np.testing.assert_array_equal(found[5], vectors["test"][1])
