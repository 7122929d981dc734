"""Regions, subregions, accounts, VM types, CheckAuthentication."""

from __future__ import annotations

import hmac

from .. import filters
from ..catalogue import VM_TYPES
from ..errors import ApiError
from . import Ctx, operation


@operation("ReadRegions")
def read_regions(ctx: Ctx, body: dict) -> dict:
    return {"Regions": [{"RegionName": name, "Endpoint": ctx.sim.public_endpoints[name]}
                        for name in ctx.sim.config.regions]}


@operation("ReadSubregions")
def read_subregions(ctx: Ctx, body: dict) -> dict:
    items = [{"SubregionName": name + s, "RegionName": name, "State": "available",
              "LocationCode": f"PAR{i + 1}"}
             for name, region in ctx.sim.config.regions.items()
             for i, s in enumerate(region.subregions)]
    flt = body.get("Filters") or {}
    if "RegionNames" not in flt:
        items = [i for i in items if i["RegionName"] == ctx.region]
    items = filters.apply(items, flt, {
        "RegionNames": filters.field("RegionName"),
        "SubregionNames": filters.field("SubregionName"), "States": filters.field("State"),
    })
    return {"Subregions": items}


@operation("ReadAccounts")
def read_accounts(ctx: Ctx, body: dict) -> dict:
    account = ctx.account
    assert account is not None
    return {"Accounts": [{"AccountId": account.account_id, "Email": account.email,
                          "CompanyName": "osc-build-sim", "FirstName": "Local",
                          "LastName": "Simulator", "Country": "France", "City": "Paris",
                          "ZipCode": "75000"}]}


@operation("ReadVmTypes")
def read_vm_types(ctx: Ctx, body: dict) -> dict:
    items = [{"VmTypeName": name, "VcoreCount": cores, "MemorySize": memory,
              "MaxPrivateIps": 30, "VolumeCount": 0, "BsuOptimized": False,
              "EphemeralsType": "local", "Eth": 1, "Gpu": 0}
             for name, cores, memory in VM_TYPES]
    items = filters.apply(items, body.get("Filters"), {
        "VmTypeNames": filters.field("VmTypeName"), "VcoreCounts": filters.field("VcoreCount"),
        "MemorySizes": filters.field("MemorySize"), "BsuOptimized": filters.field("BsuOptimized"),
        "EphemeralsTypes": filters.field("EphemeralsType"), "Eths": filters.field("Eth"),
        "Gpus": filters.field("Gpu"), "VolumeCounts": filters.field("VolumeCount"),
    })
    return filters.paginate(items, body, "VmTypes")


@operation("CheckAuthentication")
def check_authentication(ctx: Ctx, body: dict) -> dict:
    for account in ctx.sim.config.accounts:
        if (account.email == body["Login"] and account.password
                and hmac.compare_digest(account.password, body["Password"])):
            return {}
    raise ApiError(401, 1, "Login or password is not valid.")
