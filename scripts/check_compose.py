"""Check docker-compose.yml's structure without Docker: `make docker-config` runs it where neither
`docker compose` nor `docker-compose` is installed.

Not a full Compose validator: it catches what a hand edit breaks (YAML syntax, an unknown top-level key, a
service without an image or build, a depends_on or volume naming nothing, a port or healthcheck of the wrong
shape). Exit status 0 when the file passes, 1 with one line per problem otherwise.
"""

import sys
from pathlib import Path

import yaml

TOP_LEVEL = {"version", "name", "services", "volumes", "networks", "configs", "secrets"}


def service_problems(name, service, services, volumes):
    """What is wrong with one service; each problem a sentence naming the service."""
    if not isinstance(service, dict):
        return [f"service {name!r} is not a mapping"]
    problems = []
    if "image" not in service and "build" not in service:
        problems.append(f"service {name!r} has neither image nor build")
    depends = service.get("depends_on") or {}
    for other in depends if isinstance(depends, (list, dict)) else [depends]:
        if other not in services:
            problems.append(f"service {name!r} depends on {other!r}, which is not a service")
    for volume in service.get("volumes") or []:
        source = volume.split(":", 1)[0] if isinstance(volume, str) else (volume or {}).get("source", "")
        if ":" in str(volume) and not source.startswith((".", "/", "~", "$")) and source not in volumes:
            problems.append(f"service {name!r} mounts volume {source!r}, which is not declared under volumes")
    if not all(isinstance(p, (str, int, dict)) for p in service.get("ports") or []):
        problems.append(f"service {name!r} has a port that is neither a string, a number nor a mapping")
    check = service.get("healthcheck")
    if check is not None and not (isinstance(check, dict) and ("test" in check or check.get("disable"))):
        problems.append(f"service {name!r} has a healthcheck without a test")
    return problems


def compose_problems(text):
    """Every problem found in a compose file's text (an empty list: it passes)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        return [f"not valid YAML: {exc}"]
    if not isinstance(data, dict):
        return ["the file is not a mapping of top-level keys"]
    unknown = sorted(k for k in data if k not in TOP_LEVEL and not str(k).startswith("x-"))
    problems = [f"unknown top-level key {k!r}" for k in unknown]
    services = data.get("services")
    if not isinstance(services, dict) or not services:
        return [*problems, "no services"]
    volumes = data.get("volumes") or {}
    for name, service in services.items():
        problems += service_problems(name, service, services, volumes)
    return problems


def main(argv):
    path = Path(argv[1] if len(argv) > 1 else "docker-compose.yml")
    problems = compose_problems(path.read_text())
    for problem in problems:
        print(f"{path}: {problem}", file=sys.stderr)
    if problems:
        return 1
    print(
        f"{path}: structure checked without Docker ({len(yaml.safe_load(path.read_text())['services'])} services)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
