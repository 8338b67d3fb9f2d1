"""BENCHMARKS.md's blocks (pocketnlu_tools.bench.markdown): one block replaced, the others kept,
and the command a block names."""
from pocketnlu_tools.bench.markdown import HEADER, command_line, update_block


def test_a_block_is_added_then_replaced_leaving_the_others(tmp_path):
    target = tmp_path / "BENCHMARKS.md"
    update_block(target, "one", "first")
    update_block(target, "two", "second")
    update_block(target, "one", "first again")
    text = target.read_text()
    assert text.startswith(HEADER)
    assert "<!-- BEGIN one -->\nfirst again\n<!-- END one -->" in text and "first\n" not in text
    assert text.index("BEGIN one") < text.index("BEGIN two") and "<!-- BEGIN two -->\nsecond\n" in text


def test_the_command_quotes_what_a_shell_needs():
    assert command_line("pocketnlu_tools.bench.accuracy", ["--datasets", "hint3_curekart", "--write", "my file.md"]) \
        == "python -m pocketnlu_tools.bench.accuracy --datasets hint3_curekart --write 'my file.md'"
