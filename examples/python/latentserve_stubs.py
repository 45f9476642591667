"""Generates the gRPC stubs of the latentserve package from the project's .proto files.

The stubs are build output, never committed: `pip install -e examples/python` runs this through
setup.py, and `python examples/python/latentserve_stubs.py` runs it by hand after a .proto file
changed. It writes

- src/latentserve/v1/*_pb2.py, *_pb2_grpc.py from proto/src/main/proto/latentserve/v1/*.proto
  (the protoc include path makes them the subpackage latentserve.v1 of this package), and
- src/latentserve/kserve/grpc_predict_v2_pb2*.py from proto/src/main/proto/inference/grpc_predict_v2.proto,
  KServe's Open Inference Protocol v2 file as KServe defines it (protobuf package `inference`, the one
  stock clients such as tritonclient speak); copied under latentserve/kserve/ so that its Python module
  does not claim the top-level name `inference`.
"""

import pathlib
import shutil
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
PROTO_ROOT = HERE.parent.parent / "proto" / "src" / "main" / "proto"
OUT = HERE / "src"


def _protoc(include: pathlib.Path, files: list) -> None:
    from grpc_tools import protoc  # a build dependency (pyproject.toml)
    import importlib.resources

    well_known = str(importlib.resources.files("grpc_tools") / "_proto")
    args = [
        "grpc_tools.protoc",
        f"-I{include}",
        f"-I{well_known}",
        f"--python_out={OUT}",
        f"--pyi_out={OUT}",
        f"--grpc_python_out={OUT}",
        *[str(f.relative_to(include)) for f in files],
    ]
    if protoc.main(args) != 0:
        raise RuntimeError("protoc failed: " + " ".join(args))


def generate() -> None:
    if not PROTO_ROOT.is_dir():
        raise FileNotFoundError(
            f"{PROTO_ROOT} not found: the latentserve package is built from the project's proto/ folder"
        )
    v1 = sorted((PROTO_ROOT / "latentserve" / "v1").glob("*.proto"))
    _protoc(PROTO_ROOT, v1)
    (OUT / "latentserve" / "v1" / "__init__.py").write_text('"""Generated latentserve.v1 stubs."""\n')

    with tempfile.TemporaryDirectory() as tmp:
        target = pathlib.Path(tmp) / "latentserve" / "kserve" / "grpc_predict_v2.proto"
        target.parent.mkdir(parents=True)
        shutil.copyfile(PROTO_ROOT / "inference" / "grpc_predict_v2.proto", target)
        _protoc(pathlib.Path(tmp), [target])
    (OUT / "latentserve" / "kserve" / "__init__.py").write_text(
        '"""Generated stubs of KServe\'s grpc_predict_v2.proto (protobuf package inference)."""\n'
    )


if __name__ == "__main__":
    generate()
    print(f"stubs written under {OUT / 'latentserve'}", file=sys.stderr)
