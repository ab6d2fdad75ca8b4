"""What deploy/kubernetes/ promises beyond the API schemas (kubernetes-validate checks those).

Every workload runs planet-bq non-root with a read-only root filesystem, no privilege escalation,
resource limits and its secrets from a Secret; each CronJob runs one job with the original's
schedule and never two runs at once; the Deployment keeps its state file on a volume.
"""

import sys
from pathlib import Path

import yaml

EXPECTED_CRONJOBS = {
    # job: Kubernetes schedule (minutes), a minute after the original's `30 0 * * * *` and `30 0 11 * * *`
    "traffic": "1 * * * *",
    "dependency": "1 11 * * *",
}


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def check_pod(name, pod, state_volume_kind):
    where = f"{name}: "
    sc = pod.get("securityContext", {})
    if sc.get("runAsNonRoot") is not True:
        fail(where + "pod securityContext.runAsNonRoot is not true")
    if pod.get("automountServiceAccountToken") is not False:
        fail(where + "the service-account token is mounted")
    (container,) = pod["containers"]
    csc = container.get("securityContext", {})
    if csc.get("readOnlyRootFilesystem") is not True:
        fail(where + "readOnlyRootFilesystem is not true")
    if csc.get("allowPrivilegeEscalation") is not False:
        fail(where + "allowPrivilegeEscalation is not false")
    if csc.get("capabilities", {}).get("drop") != ["ALL"]:
        fail(where + "capabilities are not all dropped")
    limits = container.get("resources", {}).get("limits", {})
    if not {"cpu", "memory"} <= limits.keys():
        fail(where + f"resource limits are {limits}")
    if not any("secretRef" in source for source in container.get("envFrom", [])):
        fail(where + "no environment from a Secret")
    args = container["args"]
    for arg in args:
        if any(word in arg for word in ("password", "token")) and not arg.endswith("-file"):
            fail(where + f"a secret on the command line: {arg}")
    state = next((a.split("=", 1)[1] for a in args if a.startswith("--state-file=")), None)
    if state is None:
        fail(where + "no --state-file (the default is under the read-only home)")
    mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
    volume_name = mounts.get(str(Path(state).parent))
    if volume_name is None:
        fail(where + f"the state file {state} is not on a volume")
    volume = next(v for v in pod["volumes"] if v["name"] == volume_name)
    if state_volume_kind not in volume:
        fail(where + f"the state volume is not a {state_volume_kind}: {volume}")
    return args


def main(directory):
    docs = []
    for path in sorted(Path(directory).glob("*.yaml")):
        docs += [(path.name, d) for d in yaml.safe_load_all(path.read_text()) if d]
    cronjobs = {}
    deployments = []
    for file, doc in docs:
        if doc["kind"] == "CronJob":
            spec = doc["spec"]
            if spec.get("concurrencyPolicy") != "Forbid":
                fail(f"{file}: concurrencyPolicy is {spec.get('concurrencyPolicy')!r}")
            args = check_pod(file, spec["jobTemplate"]["spec"]["template"]["spec"], "emptyDir")
            if args[0] != "once":
                fail(f"{file}: runs {args[:2]}, not once")
            cronjobs[args[1]] = spec["schedule"]
            if spec.get("timeZone") != "Etc/UTC":
                fail(f"{file}: the schedule is not in UTC")
        elif doc["kind"] == "Deployment":
            spec = doc["spec"]
            if spec.get("replicas") != 1 or spec.get("strategy", {}).get("type") != "Recreate":
                fail(f"{file}: more than one planet-bq run could write at once")
            args = check_pod(file, spec["template"]["spec"], "persistentVolumeClaim")
            if args[0] != "run":
                fail(f"{file}: runs {args[0]}, not run")
            deployments.append(file)
    if cronjobs != EXPECTED_CRONJOBS:
        fail(f"CronJobs {cronjobs}, expected {EXPECTED_CRONJOBS}")
    if len(deployments) != 1:
        fail(f"expected one Deployment of run, found {deployments}")
    print(f"ok: {len(docs)} resources: CronJobs {sorted(cronjobs)}, Deployment in {deployments[0]}")


if __name__ == "__main__":
    main(sys.argv[1])
