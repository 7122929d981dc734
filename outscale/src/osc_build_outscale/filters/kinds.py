"""The filterable resources: each one's OAPI filter fields and the names users write."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

STRINGS, INTEGERS, BOOLEAN = "strings", "integers", "boolean"
_TAGS = {"TagKeys": STRINGS, "TagValues": STRINGS, "Tags": STRINGS}
_TAG_ALIASES = {"tag-key": "TagKeys", "tag-value": "TagValues", "tag_keys": "TagKeys",
                "tag_values": "TagValues", "tags": "Tags"}


@dataclass(frozen=True, eq=False)
class ResourceKind:
    """A filterable resource: its Read operation, OAPI filter fields and accepted aliases."""

    label: str
    operation: str
    key: str
    id_field: str
    name_field: str
    fields: Mapping[str, str]
    aliases: Mapping[str, str]
    # user name -> resource field compared on the answers (no OAPI filter exists)
    client_side: Mapping[str, str] = field(default_factory=dict)

    def names(self) -> list[str]:
        """Every filter name a template may use, besides ``tag:KEY``."""
        return sorted({*self.fields, *self.aliases, *self.client_side})


IMAGE = ResourceKind(
    "OMI", "ReadImages", "Images", "ImageId", "ImageName",
    fields={**dict.fromkeys((
        "AccountAliases", "AccountIds", "Architectures", "BlockDeviceMappingDeviceNames",
        "BlockDeviceMappingSnapshotIds", "BlockDeviceMappingVolumeTypes", "BootModes",
        "Descriptions", "FileLocations", "Hypervisors", "ImageIds", "ImageNames",
        "PermissionsToLaunchAccountIds", "ProductCodeNames", "ProductCodes", "RootDeviceNames",
        "RootDeviceTypes", "States", "VirtualizationTypes"), STRINGS),
        "BlockDeviceMappingVolumeSizes": INTEGERS,
        **dict.fromkeys(("BlockDeviceMappingDeleteOnVmDeletion",
                         "PermissionsToLaunchGlobalPermission", "SecureBoot", "TpmMandatory"),
                        BOOLEAN),
        **_TAGS},
    aliases={
        "image-name": "ImageNames", "name": "ImageNames", "image-id": "ImageIds",
        "owner-alias": "AccountAliases", "account-alias": "AccountAliases",
        "owner-id": "AccountIds", "account-id": "AccountIds", "state": "States",
        "description": "Descriptions", "architecture": "Architectures",
        "root-device-type": "RootDeviceTypes", "root-device-name": "RootDeviceNames",
        "virtualization-type": "VirtualizationTypes", "hypervisor": "Hypervisors",
        "is-public": "PermissionsToLaunchGlobalPermission", "product-code": "ProductCodes",
        "product-code-name": "ProductCodeNames", "boot-mode": "BootModes",
        "block-device-mapping.device-name": "BlockDeviceMappingDeviceNames",
        "block-device-mapping.snapshot-id": "BlockDeviceMappingSnapshotIds",
        "block-device-mapping.volume-size": "BlockDeviceMappingVolumeSizes",
        "block-device-mapping.volume-type": "BlockDeviceMappingVolumeTypes",
        "block-device-mapping.delete-on-termination": "BlockDeviceMappingDeleteOnVmDeletion",
        "launch-permission": "PermissionsToLaunchAccountIds", "secure-boot": "SecureBoot",
        "tpm-mandatory": "TpmMandatory", **_TAG_ALIASES},
    client_side={"creation-date": "CreationDate", "image-type": "ImageType"},
)

NET = ResourceKind(
    "Net", "ReadNets", "Nets", "NetId", "NetId",
    fields={"DhcpOptionsSetIds": STRINGS, "IpRanges": STRINGS, "IsDefault": BOOLEAN,
            "NetIds": STRINGS, "States": STRINGS, **_TAGS},
    aliases={"net-id": "NetIds", "vpc-id": "NetIds", "ip-range": "IpRanges",
             "cidr": "IpRanges", "cidr-block": "IpRanges", "state": "States",
             "dhcp-options-set-id": "DhcpOptionsSetIds", "dhcp-options-id": "DhcpOptionsSetIds",
             "is-default": "IsDefault", **_TAG_ALIASES},
)

SUBNET = ResourceKind(
    "Subnet", "ReadSubnets", "Subnets", "SubnetId", "SubnetId",
    fields={"AvailableIpsCounts": INTEGERS, "IpRanges": STRINGS, "NetIds": STRINGS,
            "States": STRINGS, "SubnetIds": STRINGS, "SubregionNames": STRINGS, **_TAGS},
    aliases={"subnet-id": "SubnetIds", "subnet-ids": "SubnetIds", "net-id": "NetIds",
             "net-ids": "NetIds", "vpc-id": "NetIds", "ip-range": "IpRanges",
             "ip-ranges": "IpRanges", "cidr": "IpRanges", "cidr-block": "IpRanges",
             "state": "States", "states": "States", "sub-region-names": "SubregionNames",
             "subregion-name": "SubregionNames", "availability-zone": "SubregionNames",
             "available-ips-counts": "AvailableIpsCounts",
             "available-ip-address-count": "AvailableIpsCounts", **_TAG_ALIASES},
)

SECURITY_GROUP = ResourceKind(
    "security group", "ReadSecurityGroups", "SecurityGroups", "SecurityGroupId",
    "SecurityGroupName",
    fields={**dict.fromkeys((
        "Descriptions", "InboundRuleAccountIds", "InboundRuleIpRanges", "InboundRuleProtocols",
        "InboundRuleSecurityGroupIds", "InboundRuleSecurityGroupNames", "NetIds",
        "OutboundRuleAccountIds", "OutboundRuleIpRanges", "OutboundRuleProtocols",
        "OutboundRuleSecurityGroupIds", "OutboundRuleSecurityGroupNames", "SecurityGroupIds",
        "SecurityGroupNames"), STRINGS),
        **dict.fromkeys(("InboundRuleFromPortRanges", "InboundRuleToPortRanges",
                         "OutboundRuleFromPortRanges", "OutboundRuleToPortRanges"), INTEGERS),
        **_TAGS},
    aliases={"group-id": "SecurityGroupIds", "security_group_ids": "SecurityGroupIds",
             "security-group-id": "SecurityGroupIds", "group-name": "SecurityGroupNames",
             "security_group_names": "SecurityGroupNames",
             "security-group-name": "SecurityGroupNames", "description": "Descriptions",
             "net-id": "NetIds", "vpc-id": "NetIds",
             "ip-permission.cidr": "InboundRuleIpRanges",
             "ip-permission.protocol": "InboundRuleProtocols",
             "ip-permission.from-port": "InboundRuleFromPortRanges",
             "ip-permission.to-port": "InboundRuleToPortRanges",
             "egress.ip-permission.cidr": "OutboundRuleIpRanges", **_TAG_ALIASES},
    client_side={"owner-id": "AccountId"},
)

KINDS = (IMAGE, NET, SUBNET, SECURITY_GROUP)
