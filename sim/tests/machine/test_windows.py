"""Issue 23, simulator side: a Windows VM of the catalogue, driven as a WinRM client would.

A real simulator (``serve --backend machine``), plain osc-sdk-python for the API and
pywinrm for WinRM: the administrator password, WinRM over HTTP and HTTPS once user data
enables Basic, commands and their streams, a restart asked from inside, and files written
under C:\\ found again in a VM of the OMI made from it.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests
import winrm
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from winrm.exceptions import InvalidCredentialsError

from osc_build_sim.testing import running_simulator

ENABLE_WINRM = """<powershell>
winrm set winrm/config/service '@{AllowUnencrypted="true"}'
winrm set winrm/config/service/auth '@{Basic="true"}'
</powershell>
"""


@dataclass
class Cloud:
    sim: object
    gw: object
    private_key: bytes
    group_id: str
    image_id: str

    def boot(self, user_data: str = ENABLE_WINRM, image_id: str | None = None,
             group_id: str | None = None) -> dict:
        return self.gw.CreateVms(ImageId=image_id or self.image_id, KeypairName="win",
                                 SecurityGroupIds=[group_id or self.group_id],
                                 VmType="tinav7.c1r1p1",
                                 UserData=base64.b64encode(user_data.encode()).decode()
                                 )["Vms"][0]

    def wait_vm(self, vm_id: str, state: str, timeout: float = 120) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            vm = self.gw.ReadVms(Filters={"VmIds": [vm_id]})["Vms"][0]
            if vm["State"] == state:
                return vm
            assert time.monotonic() < deadline, f"{vm_id} is {vm['State']}, not {state}"
            time.sleep(0.1)

    def password(self, vm_id: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while not (encrypted := self.gw.ReadAdminPassword(VmId=vm_id)["AdminPassword"]):
            assert time.monotonic() < deadline, "ReadAdminPassword stayed empty"
            time.sleep(0.1)
        key = load_pem_private_key(self.private_key, password=None)
        return key.decrypt(base64.b64decode(encrypted), padding.PKCS1v15()).decode()


def session(vm: dict, password: str, *, https: bool = False, ca: str | None = None
            ) -> winrm.Session:
    scheme, port = ("https", 5986) if https else ("http", 5985)
    options = {"server_cert_validation": "validate", "ca_trust_path": ca} if https else {}
    return winrm.Session(f"{scheme}://{vm['PrivateIp']}:{port}/wsman",
                         auth=("Administrator", password), transport="basic",
                         operation_timeout_sec=10, read_timeout_sec=15, **options)


def until_answers(client: winrm.Session, timeout: float = 60) -> None:
    """Poll as a WinRM communicator does: 401 until user data enabled Basic, refused while
    the guest is down."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            client.run_cmd("echo up")
            return
        except (InvalidCredentialsError, requests.exceptions.ConnectionError):
            assert time.monotonic() < deadline, "WinRM never answered"
            time.sleep(0.2)


@pytest.fixture(scope="module")
def cloud(tmp_path_factory) -> Iterator[Cloud]:
    with running_simulator(tmp_path_factory.mktemp("winsim"), profile="instant",
                           backend="machine") as sim:
        gw = sim.gateway()
        private_key = gw.CreateKeypair(KeypairName="win")["Keypair"]["PrivateKey"].encode()
        group_id = gw.CreateSecurityGroup(SecurityGroupName="winrm", Description="winrm")[
            "SecurityGroup"]["SecurityGroupId"]
        gw.CreateSecurityGroupRule(SecurityGroupId=group_id, Flow="Inbound", IpProtocol="tcp",
                                   FromPortRange=5985, ToPortRange=5986,
                                   IpRange="127.0.0.0/8")
        image = gw.ReadImages(Filters={"ImageNames": ["Windows-Server-2022-*"],
                                       "AccountAliases": ["Outscale"]})["Images"][0]
        yield Cloud(sim, gw, private_key, group_id, image["ImageId"])


@pytest.fixture(scope="module")
def windows_vm(cloud) -> dict:
    """A Windows VM whose user data enabled WinRM; its password checked on the way."""
    vm = cloud.boot()
    assert cloud.gw.ReadAdminPassword(VmId=vm["VmId"])["AdminPassword"] == "", \
        "a password before the VM booted"
    vm = cloud.wait_vm(vm["VmId"], "running")
    vm["password"] = cloud.password(vm["VmId"])
    until_answers(session(vm, vm["password"]))
    return vm


def test_a_windows_vm_reports_windows_and_its_password_opens_winrm(cloud, windows_vm):
    assert windows_vm["OsFamily"] == "windows"
    assert [v["VmId"] for v in cloud.gw.ReadVms(Filters={"Platforms": ["windows"]})["Vms"]] \
        == [windows_vm["VmId"]]
    assert len(windows_vm["password"]) >= 16
    response = session(windows_vm, windows_vm["password"]).run_cmd("hostname")
    assert (response.status_code, response.std_out) == (
        0, windows_vm["VmId"].upper().encode() + b"\r\n")

    with pytest.raises(InvalidCredentialsError):
        session(windows_vm, windows_vm["password"] + "x").run_cmd("hostname")

    secure = session(windows_vm, windows_vm["password"], https=True, ca=cloud.sim.ca_file)
    assert secure.run_ps("Write-Output 'over https'").std_out == b"over https\r\n"
    with pytest.raises(requests.exceptions.SSLError):  # a certificate of the simulator's CA
        session(windows_vm, windows_vm["password"], https=True, ca=None).run_cmd("hostname")


def test_winrm_refuses_basic_until_user_data_enables_it_and_obeys_security_groups(cloud):
    group_id = cloud.gw.CreateSecurityGroup(SecurityGroupName="https-only",
                                            Description="5986 only")["SecurityGroup"][
        "SecurityGroupId"]
    cloud.gw.CreateSecurityGroupRule(SecurityGroupId=group_id, Flow="Inbound", IpProtocol="tcp",
                                     FromPortRange=5986, ToPortRange=5986,
                                     IpRange="127.0.0.0/8")
    vm = cloud.boot(user_data="", group_id=group_id)
    vm = cloud.wait_vm(vm["VmId"], "running")
    password = cloud.password(vm["VmId"])
    try:
        response = requests.post(f"https://{vm['PrivateIp']}:5986/wsman", data=b"<x/>",
                                 auth=("Administrator", password), timeout=10,
                                 verify=cloud.sim.ca_file)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Negotiate, Kerberos"
        with pytest.raises(InvalidCredentialsError):
            session(vm, password, https=True, ca=cloud.sim.ca_file).run_cmd("hostname")
        with pytest.raises(requests.exceptions.ConnectionError):  # no rule for 5985: reset
            session(vm, password).run_cmd("hostname")
        cloud.gw.CreateSecurityGroupRule(SecurityGroupId=group_id, Flow="Inbound",
                                         IpProtocol="tcp", FromPortRange=5985,
                                         ToPortRange=5985, IpRange="127.0.0.0/8")
        with pytest.raises(InvalidCredentialsError):  # now reachable, Basic still off
            session(vm, password).run_cmd("hostname")
    finally:
        cloud.gw.DeleteVms(VmIds=[vm["VmId"]])


def test_streams_exit_codes_and_a_chunked_upload(windows_vm):
    client = session(windows_vm, windows_vm["password"])
    response = client.run_ps("Write-Output 'out'; Write-Error 'err'; exit 3")
    assert (response.status_code, response.std_out) == (3, b"out\r\n")
    assert b"err" in response.std_err and b"out" not in response.std_err

    payload = bytes(range(256)) * 12
    temp = "%TEMP%\\winrmcp-test.tmp"
    for start in range(0, len(payload), 1000):  # as winrmcp: one echo per base64 chunk
        chunk = base64.b64encode(payload[start:start + 1000]).decode()
        assert client.run_cmd(f'echo {chunk} >> "{temp}"').status_code == 0
    restore = client.run_ps(
        "$dest = 'C:\\Program Files\\app\\payload.bin'\n"
        "New-Item -ItemType Directory -Force -Path 'C:\\Program Files\\app' | Out-Null\n"
        "$all = @()\n"
        "foreach ($line in (Get-Content \"$env:TEMP\\winrmcp-test.tmp\")) {\n"
        "  $all += [System.Convert]::FromBase64String($line) }\n"
        "[System.IO.File]::WriteAllBytes($dest, [byte[]]$all)\n"
        "Remove-Item \"$env:TEMP\\winrmcp-test.tmp\"\n")
    assert (restore.status_code, restore.std_err) == (0, b"")
    download = client.run_ps("[Convert]::ToBase64String([IO.File]::ReadAllBytes("
                             "'C:\\Program Files\\app\\payload.bin'))")
    assert base64.b64decode(download.std_out) == payload

    escape = client.run_cmd("type C:\\..\\..\\etc\\passwd")
    assert escape.status_code == 1 and escape.std_out == b""
    assert b"outside C:" in escape.std_err


def test_restart_keeps_the_password_and_c_and_an_omi_carries_c(cloud, windows_vm):
    client = session(windows_vm, windows_vm["password"])
    assert client.run_ps("Set-Content -Path C:\\provisioned.txt -Value 'from the build'"
                         ).status_code == 0
    assert client.run_cmd('shutdown /r /f /t 0 /c "packer restart"').status_code == 0
    deadline = time.monotonic() + 30
    while True:  # the guest goes away...
        try:
            client.run_cmd("echo still up")
        except requests.exceptions.ConnectionError:
            break
        assert time.monotonic() < deadline, "the VM did not restart"
        time.sleep(0.1)
    until_answers(client)  # ...and comes back with the same password
    assert client.run_cmd("type C:\\provisioned.txt").std_out == b"from the build\r\n"
    # Packer's windows-restart check: a test restart scheduled, refused while pending, aborted
    assert client.run_cmd('shutdown /r /f /t 60 /c "packer restart test"').status_code == 0
    assert client.run_cmd('shutdown /r /f /t 60 /c "again"').status_code == 1190
    assert client.run_cmd("shutdown /a").status_code == 0
    assert client.run_cmd("shutdown /a").status_code == 1116
    assert cloud.gw.ReadAdminPassword(VmId=windows_vm["VmId"])["AdminPassword"] == ""

    cloud.gw.StopVms(VmIds=[windows_vm["VmId"]])
    cloud.wait_vm(windows_vm["VmId"], "stopped")
    image_id = cloud.gw.CreateImage(VmId=windows_vm["VmId"], ImageName="windows-built")[
        "Image"]["ImageId"]
    deadline = time.monotonic() + 120
    while (image := cloud.gw.ReadImages(Filters={"ImageIds": [image_id]})["Images"][0]
           )["State"] != "available":
        assert time.monotonic() < deadline, f"OMI {image_id} is {image['State']}"
        time.sleep(0.1)
    new = cloud.wait_vm(cloud.boot(image_id=image_id)["VmId"], "running")
    assert new["OsFamily"] == "windows"
    password = cloud.password(new["VmId"])
    assert password != windows_vm["password"]  # generated again at the new VM's first boot
    new_client = session(new, password)
    until_answers(new_client)
    assert new_client.run_cmd("type C:\\provisioned.txt").std_out == b"from the build\r\n"
