"""The Python example of docs/bindings.md and examples/python, run as a user would run them."""

import re
import subprocess
import sys

import pytest

from fake_node import FakeNode


def test_docs_python_example_runs(source_dir, tmp_path):
    text = (source_dir / "docs" / "bindings.md").read_text()
    match = re.search(r"<!-- example: python -->\s*```python\n(.*?)```\s*<!-- end example -->", text, re.S)
    assert match, "docs/bindings.md has no Python example between the markers"
    script = tmp_path / "doc_example.py"
    script.write_text(match.group(1))
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert re.search(r"^sender [0-9a-f]{40} tx hash [0-9a-f]{64}$", result.stdout, re.M)
    assert "rejected:" in result.stdout


@pytest.mark.parametrize("suite", ["sm", "ecdsa"])
def test_sign_and_send_example_against_a_node(source_dir, suite, tmp_path):
    example = source_dir / "examples" / "python" / "sign_and_send.py"
    from trestle import crypto
    key = (crypto.SM2PrivateKey if suite == "sm" else crypto.Secp256k1PrivateKey).generate()
    key_file = tmp_path / "key.pem"
    key_file.write_text(key.to_pem())
    with FakeNode(suite) as node:
        command = [sys.executable, str(example), "--url", node.url, "--suite", suite, "--chain-id", "chain0",
                   "--key", str(key_file), "--to", "00" * 19 + "42", "--payload", "hello", "--timeout", "10"]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        assert f"sender   {key.address().hex()}" in result.stdout
        assert "inclusion proof: valid against block 0" in result.stdout
        # A node that hands out a bad proof is caught.
        node.tamper_proofs = True
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert result.returncode == 1
        assert "inclusion proof: INVALID" in result.stderr
