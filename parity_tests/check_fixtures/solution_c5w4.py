"""Course 5, week 4 ("Transformers Architecture with TensorFlow"): its positional encoding,
masks and scaled dot-product attention written in NumPy the way the course's solution writes
them in TensorFlow (tf.matmul -> np.matmul, tf.cast(..., tf.float32) -> astype(np.float32)):
a learner's module for `dl-parity check`."""
import numpy as np


def get_angles(pos, k, d):
    i = k // 2
    angles = pos / np.power(10000, 2 * i / d)
    return angles


def positional_encoding(positions, d):
    angle_rads = get_angles(np.arange(positions)[:, np.newaxis], np.arange(d)[np.newaxis, :], d)
    angle_rads[:, 0::2] = np.sin(angle_rads[:, 0::2])
    angle_rads[:, 1::2] = np.cos(angle_rads[:, 1::2])
    pos_encoding = angle_rads[np.newaxis, ...]
    return pos_encoding.astype(np.float32)


def create_padding_mask(decoder_token_ids):
    seq = 1 - (decoder_token_ids == 0).astype(np.float32)
    return seq[:, np.newaxis, :]


def create_look_ahead_mask(sequence_length):
    mask = np.tril(np.ones((1, sequence_length, sequence_length), dtype=np.float32))
    return mask


def softmax(x, axis=-1):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def scaled_dot_product_attention(q, k, v, mask):
    matmul_qk = np.matmul(q, np.swapaxes(k, -1, -2))
    dk = k.shape[-1]
    scaled_attention_logits = matmul_qk / np.sqrt(dk)
    if mask is not None:
        scaled_attention_logits += (1. - mask) * -1e9
    attention_weights = softmax(scaled_attention_logits, axis=-1)
    output = np.matmul(attention_weights, v)
    return output, attention_weights
