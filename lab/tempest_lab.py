#!/usr/bin/python3
"""Helpers of the lab's Tempest stage (lab/tempest.sh; lab/README.md "The Tempest stage").

Runs on Debian's /usr/bin/python3 with the lab's packages (keystoneauth1, subunit, testtools).
Every call logs in as the lab's admin (OS_* variables of /etc/tricircle-lab/openrc-*).

  tempest_lab.py register SERVICE_TYPE SERVICE_NAME URL IDS_FILE   # endpoints in the central region
  tempest_lab.py deregister IDS_FILE
  tempest_lab.py pods ADMIN_URL CENTRAL REGION...                  # Tricircle's pods (RegionN in azN)
  tempest_lab.py settle ADMIN_URL [SECONDS]                         # wait until no job is new/running
  tempest_lab.py extnet REGION NAME PHYSNET CIDR                    # the external network; prints its id
  tempest_lab.py conf REGION PUBLIC_NET_ID PUBLIC_NET_NAME OUT      # tempest.conf for REGION
  tempest_lab.py results SUBUNIT EXPECTED TARGET REPORT            # classify; prints "P F S X"
  tempest_lab.py leftovers REGION...                                # what tempest left behind
  tempest_lab.py sweep REGION...                                    # delete what an interrupted stage left
"""
import json
import os
import re
import sys
import time

from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3


def admin_session():
    auth = v3.Password(auth_url=os.environ["OS_AUTH_URL"], username=os.environ.get("OS_USERNAME", "admin"),
                       password=os.environ["OS_PASSWORD"], project_name=os.environ.get("OS_PROJECT_NAME", "admin"),
                       user_domain_name="Default", project_domain_name="Default")
    return ks_session.Session(auth=auth)


def identity(s, method, path, **kw):
    r = s.request(os.environ["OS_AUTH_URL"].rstrip("/") + "/" + path, method, raise_exc=False, **kw)
    if r.status_code >= 400 and not (method == "DELETE" and r.status_code == 404):
        raise SystemExit("keystone %s %s: %s %s" % (method, path, r.status_code, r.text))
    return r.json() if r.text else {}


def register(service_type, service_name, url, ids_file):
    """Puts URL in the catalog's central region (public, internal, admin), replacing that service's
    earlier central endpoints (as the Lab tests' fixture does); writes the new ids to IDS_FILE."""
    s = admin_session()
    central = os.environ.get("LAB_CENTRAL_REGION", "CentralRegion")
    services = [x for x in identity(s, "GET", "services?type=" + service_type)["services"] if x["name"] == service_name]
    if services:
        sid = services[0]["id"]
    else:
        sid = identity(s, "POST", "services", json={"service": {
            "type": service_type, "name": service_name, "description": "Tricircle (lab Tempest stage)"}})["service"]["id"]
    for e in identity(s, "GET", "endpoints?service_id=%s&region_id=%s" % (sid, central))["endpoints"]:
        identity(s, "DELETE", "endpoints/" + e["id"])
    ids = []
    for iface in ("public", "internal", "admin"):
        ids.append(identity(s, "POST", "endpoints", json={"endpoint": {
            "service_id": sid, "region_id": central, "interface": iface, "url": url}})["endpoint"]["id"])
    with open(ids_file, "a") as f:
        f.write("\n".join(ids) + "\n")


def deregister(ids_file):
    if not os.path.exists(ids_file):
        return
    s = admin_session()
    for i in open(ids_file).read().split():
        identity(s, "DELETE", "endpoints/" + i)
    os.remove(ids_file)


def tricircle(s, method, admin_url, path, body=None):
    r = s.request(admin_url.rstrip("/") + "/" + path, method, json=body, raise_exc=False)
    if r.status_code >= 400:
        raise SystemExit("tricircle %s %s: %s %s" % (method, path, r.status_code, r.text))
    return r.json() if r.text else {}


def pods(admin_url, central, *regions):
    s = admin_session()
    have = {p["region_name"] for p in tricircle(s, "GET", admin_url, "pods")["pods"]}
    if central not in have:
        tricircle(s, "POST", admin_url, "pods", {"pod": {"region_name": central}})
    for i, r in enumerate(regions, start=1):
        if r not in have:
            tricircle(s, "POST", admin_url, "pods", {"pod": {
                "region_name": r, "az_name": "az%d" % i, "pod_az_name": "nova", "dc_name": "lab"}})


def settle(admin_url, seconds="300"):
    """Waits until Tricircle has no new or running job (its changes reached the pods)."""
    s = admin_session()
    end = time.time() + float(seconds)
    while True:
        pending = [j for st in ("new", "running") for j in tricircle(s, "GET", admin_url, "jobs?status=" + st)["jobs"]]
        if not pending:
            failed = tricircle(s, "GET", admin_url, "jobs?status=fail")["jobs"]
            print("jobs settled; %d ended FAIL" % len(failed))
            for j in failed:
                print("  FAIL job: %s" % json.dumps(j))
            return
        if time.time() > end:
            raise SystemExit("jobs still pending after %ss: %s" % (seconds, json.dumps(pending)[:2000]))
        time.sleep(2)


def neutron(s, region, method, path, body=None, ok404=False):
    r = s.request("/v2.0/" + path, method, json=body, raise_exc=False,
                  endpoint_filter={"service_type": "network", "region_name": region, "interface": "public"})
    if r.status_code >= 400 and not (ok404 and r.status_code == 404):
        raise SystemExit("neutron %s %s %s: %s %s" % (region, method, path, r.status_code, r.text))
    return r.json() if r.text else {}


def extnet(region, name, physnet, cidr):
    """The external network tempest's routers and floating IPs use (created once, kept if there)."""
    s = admin_session()
    nets = neutron(s, region, "GET", "networks?name=" + name)["networks"]
    if nets:
        net = nets[0]
    else:
        net = neutron(s, region, "POST", "networks", {"network": {
            "name": name, "router:external": True, "provider:network_type": "flat",
            "provider:physical_network": physnet}})["network"]
    if not neutron(s, region, "GET", "subnets?network_id=" + net["id"])["subnets"]:
        prefix = cidr.split("/")[0].rsplit(".", 1)[0]
        neutron(s, region, "POST", "subnets", {"subnet": {
            "name": name + "-subnet", "network_id": net["id"], "ip_version": 4, "cidr": cidr,
            "enable_dhcp": False, "gateway_ip": prefix + ".1"}})
    print(net["id"])


def extnet_delete(region, name):
    s = admin_session()
    for net in neutron(s, region, "GET", "networks?name=" + name)["networks"]:
        neutron(s, region, "DELETE", "networks/" + net["id"], ok404=True)
        print("deleted %s %s in %s" % (name, net["id"], region))


def conf(region, public_id, public_name, out):
    """tempest.conf: dynamic credentials from the lab's Keystone, only the network API for REGION,
    the extensions that REGION's network endpoint lists."""
    s = admin_session()
    ext = sorted(e["alias"] for e in neutron(s, region, "GET", "extensions")["extensions"])
    env = os.environ
    text = """# generated by lab/tempest.sh for {region} ({date}); do not edit
[DEFAULT]
log_file = tempest.log
debug = true

[auth]
use_dynamic_credentials = true
tempest_roles = member
create_isolated_networks = false
admin_username = {user}
admin_password = {password}
admin_project_name = {project}
admin_domain_name = Default
admin_user_domain_name = Default
admin_project_domain_name = Default

[identity]
uri_v3 = {auth_url}
auth_version = v3
region = {region}
v3_endpoint_type = public
admin_role = admin

[identity-feature-enabled]
api_v2 = false
api_v3 = true

[service_available]
neutron = true
nova = false
cinder = false
glance = false
swift = false
horizon = false

[network]
region = {region}
endpoint_type = publicURL
public_network_id = {public_id}
floating_network_name = {public_name}
project_network_cidr = 10.100.0.0/16
project_network_mask_bits = 28
project_network_v6_cidr = 2001:db8::/48
project_network_v6_mask_bits = 64
project_networks_reachable = false
build_timeout = 120

[network-feature-enabled]
api_extensions = {ext}
ipv6 = true
ipv6_subnet_attributes = true
port_admin_state_change = true
port_security = {port_security}
floating_ips = true

[validation]
run_validation = false

[compute-feature-enabled]
console_output = false
""".format(region=region, date=time.strftime("%Y-%m-%d %H:%M:%S"), user=env.get("OS_USERNAME", "admin"),
           password=env["OS_PASSWORD"], project=env.get("OS_PROJECT_NAME", "admin"), auth_url=env["OS_AUTH_URL"],
           public_id=public_id, public_name=public_name, ext=",".join(ext),
           port_security="true" if "port-security" in ext else "false")
    with open(out, "w") as f:
        f.write(text)
    print("%d extensions listed by %s: %s" % (len(ext), region, " ".join(ext)))


def read_expected(path):
    """The committed expected failures: '[section]' headers, then '<test id>  # reason' lines."""
    entries, section = {}, None
    for n, line in enumerate(open(path), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = re.match(r"^\[(.+)\]$", line)
        if m:
            section = m.group(1)
            continue
        test, _, reason = line.partition("#")
        test, reason = test.strip(), reason.strip()
        if not section or not test or not reason:
            raise SystemExit("%s:%d: every entry needs a section and a reason ('<test id>  # why')" % (path, n))
        entries[test] = (section, reason)
    return entries


def base_id(test_id):
    return re.sub(r"\[.*\]$", "", test_id)


def results(subunit_file, expected_file, target, report):
    """Classifies the run: passed, failed (unexpected), skipped, expected failures. An entry of
    the list that passes is a failure too (the list must be kept true). Sections starting with
    'pending' apply to the central region only; '[expected]' everywhere."""
    import subunit
    import testtools

    expected = read_expected(expected_file)
    if target != "central":
        expected = {t: v for t, v in expected.items() if not v[0].startswith("pending")}
    tests = {}

    def on_test(test):
        if test["status"] in ("exists", None):
            return
        tests[test["id"]] = test

    result = testtools.StreamToDict(on_test)
    with open(subunit_file, "rb") as f:
        stream = subunit.ByteStreamToStreamResult(f, non_subunit_name="stdout")
        result.startTestRun()
        stream.run(result)
        result.stopTestRun()
    passed, failed, skipped, xfailed = [], [], [], []
    seen = set()
    for tid, test in sorted(tests.items()):
        b = base_id(tid)
        st = test["status"]
        if st == "skip":
            reason = test["details"].get("reason")
            skipped.append((b, reason.as_text() if reason else ""))
        elif st in ("success", "xfail"):
            if b in expected:
                failed.append((b, "passes, but is listed as an expected failure (%s): remove it from %s"
                               % (expected[b][0], os.path.basename(expected_file))))
                seen.add(b)
            else:
                passed.append(b)
        else:
            if b in expected:
                xfailed.append((b, "%s: %s" % expected[b]))
                seen.add(b)
            else:
                tb = test["details"].get("traceback")
                text = tb.as_text() if tb else ""
                last = [ln for ln in text.strip().splitlines() if ln.strip()][-1:] or [st]
                failed.append((b, last[0][:300]))
    with open(report, "w") as f:
        for title, rows in (("FAILED", failed), ("EXPECTED FAILURE", xfailed), ("SKIPPED", skipped)):
            for b, why in rows:
                f.write("%-17s %s  -- %s\n" % (title, b, why))
        for b in sorted(set(expected) - seen):
            if not any(base_id(t) == b for t in tests):
                f.write("NOT RUN (listed)  %s  -- %s: %s\n" % ((b,) + expected[b]))
    print(len(passed), len(failed), len(skipped), len(xfailed))


def leftovers(*regions):
    """What tempest left behind: in the central region and in each pod, every network, subnet,
    port, router, floating IP, security group (but default ones) named tempest-* or owned by a
    project that no longer exists or is named tempest-*, and in the pods every copy of a central
    object that is gone. Prints them; exit 1 if any."""
    s = admin_session()
    central = os.environ.get("LAB_CENTRAL_REGION", "CentralRegion")
    # Tricircle names its copies in a pod after the central object's id: with a running central
    # region, a copy whose central object is gone is left behind too (the central database is the
    # stage's own, so every copy it made is of this run)
    central_ids = None
    if central in regions:
        central_ids = set()
        for plural in ("networks", "subnets", "ports", "routers", "floatingips", "security-groups"):
            central_ids |= {o["id"] for o in neutron(s, central, "GET", plural)[plural.replace("-", "_")]}
    uuid = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
    projects = identity(s, "GET", "projects")["projects"]
    live = {p["id"] for p in projects if not p["name"].startswith("tempest-")}
    live |= {p["id"].replace("-", "") for p in projects if not p["name"].startswith("tempest-")}
    bad, defaults = [], {}
    for region in regions:
        for kind, plural in (("network", "networks"), ("subnet", "subnets"), ("port", "ports"),
                             ("router", "routers"), ("floatingip", "floatingips"),
                             ("security_group", "security-groups")):
            key = plural.replace("-", "_")
            for o in neutron(s, region, "GET", plural)[key]:
                owner = o.get("project_id") or o.get("tenant_id") or ""
                name = o.get("name") or ""
                orphan = owner and owner not in live
                # Tricircle's own objects in a pod are named after a project (bridge_net_<project>...)
                m = re.search(r"_([0-9a-f]{32})$", name)
                if m and m.group(1) not in live:
                    orphan = True
                if central_ids is not None and region != central and uuid.match(name) and name not in central_ids:
                    orphan = True
                if not (orphan or name.startswith("tempest-")):
                    continue
                if kind == "security_group" and name == "default":
                    defaults[region] = defaults.get(region, 0) + 1
                    continue
                bad.append("%s: %s %s name=%r project=%s" % (region, kind, o["id"], name, owner))
    for b in bad:
        print("LEFT BEHIND " + b)
    print("%d object(s) left behind in %s (not counted: default security groups of deleted projects: %s)"
          % (len(bad), ", ".join(regions), ", ".join("%s %d" % (r, defaults.get(r, 0)) for r in regions)))
    sys.exit(1 if bad else 0)


TRICIRCLE_NAME = re.compile(r"^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|bridge_.*|tempest-.*)$")


def nova(s, region, method, path):
    r = s.request(path, method, raise_exc=False,
                  endpoint_filter={"service_type": "compute", "region_name": region, "interface": "public"})
    if r.status_code >= 400 and r.status_code != 404:
        raise SystemExit("nova %s %s %s: %s %s" % (region, method, path, r.status_code, r.text))
    return r.json() if r.text else {}


def sweep(*regions):
    """Deletes, in the pod regions, what an earlier stage left when it was interrupted (a killed
    run, a machine stopped mid-stage): every copy Tricircle made (named after a central id, or
    bridge_*), everything of tempest-* or of projects that no longer exist, and every network on
    the central ranges (VxLAN 9000-9999, physnet1). Each stage's Tricircle starts with an empty
    database and allocates those ranges from their start again, so one such copy left in a pod
    makes every later stretched network fail there ("tunnel ID 9000 is in use")."""
    s = admin_session()
    projects = identity(s, "GET", "projects")["projects"]
    live = {p["id"] for p in projects if not p["name"].startswith("tempest-")}
    live |= {p["id"].replace("-", "") for p in projects if not p["name"].startswith("tempest-")}

    def stale(o):
        owner = o.get("project_id") or o.get("tenant_id") or ""
        return bool(TRICIRCLE_NAME.match(o.get("name") or "")) or bool(owner and owner not in live)

    for region in regions:
        nets = [n for n in neutron(s, region, "GET", "networks")["networks"]
                if stale(n) or (n.get("provider:network_type") == "vxlan" and (n.get("provider:segmentation_id") or 0) >= 9000)
                or n.get("provider:physical_network") == "physnet1"]
        net_ids = {n["id"] for n in nets}
        count = 0
        for fip in neutron(s, region, "GET", "floatingips")["floatingips"]:
            if stale(fip) or fip["floating_network_id"] in net_ids:
                neutron(s, region, "DELETE", "floatingips/" + fip["id"], ok404=True)
                count += 1
        ports = neutron(s, region, "GET", "ports")["ports"]
        servers = {p["device_id"] for p in ports if p["network_id"] in net_ids and p["device_owner"].startswith("compute:")}
        for server in servers:
            nova(s, region, "DELETE", "/servers/" + server)
            count += 1
        for server in servers:
            for _ in range(120):
                if "server" not in nova(s, region, "GET", "/servers/" + server):
                    break
                time.sleep(1)
        routers = [r for r in neutron(s, region, "GET", "routers")["routers"]
                   if stale(r) or ((r.get("external_gateway_info") or {}).get("network_id") in net_ids)
                   or any(p["device_id"] == r["id"] and p["network_id"] in net_ids for p in ports)]
        for router in routers:
            if router.get("routes"):  # extra routes whose next hop is on an interface must go first
                neutron(s, region, "PUT", "routers/" + router["id"], {"router": {"routes": []}}, ok404=True)
            if router.get("external_gateway_info"):
                neutron(s, region, "PUT", "routers/" + router["id"], {"router": {"external_gateway_info": {}}}, ok404=True)
            for p in ports:
                if p["device_id"] == router["id"] and p["device_owner"].startswith("network:router_interface"):
                    neutron(s, region, "PUT", "routers/%s/remove_router_interface" % router["id"], {"port_id": p["id"]}, ok404=True)
            if stale(router):
                neutron(s, region, "DELETE", "routers/" + router["id"], ok404=True)
                count += 1
        for p in neutron(s, region, "GET", "ports")["ports"]:
            if (p["network_id"] in net_ids or stale(p)) and not p["device_owner"].startswith("network:dhcp"):
                neutron(s, region, "DELETE", "ports/" + p["id"], ok404=True)
                count += 1
        for n in nets:
            neutron(s, region, "DELETE", "networks/" + n["id"], ok404=True)
            count += 1
        for sg in neutron(s, region, "GET", "security-groups")["security_groups"]:
            if stale(sg) and sg["name"] != "default":
                neutron(s, region, "DELETE", "security-groups/" + sg["id"], ok404=True)
                count += 1
        print("sweep %s: %d object(s) of earlier runs deleted" % (region, count))


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"register": register, "deregister": deregister, "pods": pods, "settle": settle, "extnet": extnet,
     "extnet-delete": extnet_delete, "conf": conf, "results": results, "leftovers": leftovers,
     "sweep": sweep}[cmd](*args)
