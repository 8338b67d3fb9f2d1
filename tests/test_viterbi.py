"""Viterbi over column lists (format version 3) gives exactly what the dense matrix gives,
ties included, and both match the host's numpy decoding (pocketnlu_tools.train.models.best_path)."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pocketnlu._binding import check, ffi, lib
from pocketnlu.models import DEFAULT_MODEL
from pocketnlu_tools.train.models import best_path
from pocketnlu_tools.pack.writer import columns_section


def dense_transitions(matrix, keep):
    data = np.ascontiguousarray(matrix, dtype="<i4").tobytes()
    keep.append(data)
    transitions = ffi.new("pnlu_transitions *")
    check(lib.pnlu_transitions_dense(transitions, data, len(data), len(matrix), 4), "dense")
    return transitions


def column_transitions(matrix, keep):
    _, data = columns_section(matrix)
    keep.append(data)
    transitions = ffi.new("pnlu_transitions *")
    check(lib.pnlu_transitions_columns(transitions, data, len(data)), "columns")
    assert transitions.n_nonzero == np.count_nonzero(matrix)
    return transitions


def viterbi(state, transitions):
    n_tokens, n_labels = state.shape
    state = np.ascontiguousarray(state, dtype=np.int64)
    path = np.empty(n_tokens, dtype=np.uint32)
    best = ffi.new("int64_t *")
    check(lib.pnlu_viterbi(ffi.from_buffer("int64_t[]", state), n_tokens, transitions,
                           ffi.new("int64_t[]", 4 * n_labels), ffi.new("uint16_t[]", n_tokens * n_labels),
                           ffi.from_buffer("uint32_t[]", path), best), "viterbi")
    return path.tolist(), best[0]


def reference(state, matrix):
    """The host's float CRF decoding (numpy), on the same integers."""
    path, best = best_path(state.astype(np.int64), matrix)
    return path, int(best)


def random_case(rng, n_labels, density, spread, n_tokens):
    matrix = rng.integers(-spread, spread + 1, size=(n_labels, n_labels))
    matrix[rng.random((n_labels, n_labels)) > density] = 0
    heavy = rng.integers(0, n_labels)  # one long column, as label O has in real models
    matrix[rng.random(n_labels) < 0.8, heavy] = rng.integers(-spread, spread + 1)
    state = rng.integers(-spread, spread + 1, size=(n_tokens, n_labels))
    return state, matrix


@pytest.mark.parametrize("n_labels", [1, 2, 3, 15, 16, 17, 41, 72, 120])
@pytest.mark.parametrize("density", [0.0, 0.03, 0.2, 1.0])
def test_column_lists_decode_like_the_dense_matrix(n_labels, density):
    rng = np.random.default_rng(n_labels * 1000 + int(density * 100))
    for spread in (1, 3, 1000):  # small spreads make many ties
        for n_tokens in (1, 2, 5, 17):
            state, matrix = random_case(rng, n_labels, density, spread, n_tokens)
            keep = []
            expected = reference(state, matrix)
            assert viterbi(state, dense_transitions(matrix, keep)) == expected
            assert viterbi(state, column_transitions(matrix, keep)) == expected


@settings(max_examples=150, deadline=None)
@given(data=st.data(), n_labels=st.integers(1, 20), n_tokens=st.integers(1, 6))
def test_column_lists_match_dense_on_arbitrary_matrices(data, n_labels, n_tokens):
    entries = st.integers(-(2**31), 2**31 - 1) | st.integers(-2, 2) | st.just(0)
    matrix = np.array(data.draw(st.lists(entries, min_size=n_labels**2, max_size=n_labels**2)),
                      dtype=np.int64).reshape(n_labels, n_labels)
    state = np.array(data.draw(st.lists(st.integers(-(2**40), 2**40) | st.integers(-2, 2),
                                        min_size=n_tokens * n_labels, max_size=n_tokens * n_labels)),
                     dtype=np.int64).reshape(n_tokens, n_labels)
    keep = []
    assert viterbi(state, column_transitions(matrix, keep)) == viterbi(state, dense_transitions(matrix, keep))


def test_a_dense_length_that_wraps_32_bits_is_refused():
    """4 * 65535^2 bytes overflow a 32-bit size_t; the check must not wrap (armhf)."""
    transitions = ffi.new("pnlu_transitions *")
    wrapped = (4 * 65535 * 65535) % 2**32
    assert lib.pnlu_transitions_dense(transitions, ffi.new("uint8_t[]", 1), wrapped, 65535, 4) == lib.PNLU_E_SIZE


def test_the_columns_of_a_real_model_are_short():
    """The bundled model's transitions: what makes the top-list path the common one."""

    from pocketnlu.modelfile import ModelFile
    from pocketnlu.transitions import Transitions

    with ModelFile(DEFAULT_MODEL) as model_file:
        transitions = Transitions(model_file, model_file.meta["models"]["slots"]["transitions"])
        tr = transitions.c_transitions
        assert tr.dense == ffi.NULL and tr.column_starts != ffi.NULL
        assert tr.n_nonzero < tr.n_labels**2 / 10
