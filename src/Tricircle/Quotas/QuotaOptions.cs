using Tricircle.Hosting;

namespace Tricircle.Quotas;

/// <summary>
/// The <c>[quota]</c> section: default hard limits of every project (an admin may set others per
/// project). -1 means unlimited, as in Nova and Cinder.
/// </summary>
internal sealed class QuotaOptions : ISectionOptions
{
    public const string Section = "quota";

    public int Instances { get; set; } = 10;

    public int Cores { get; set; } = 20;

    public int Ram { get; set; } = 51200;

    [ConfigurationKeyName("key_pairs")]
    public int KeyPairs { get; set; } = 100;

    [ConfigurationKeyName("metadata_items")]
    public int MetadataItems { get; set; } = 128;

    [ConfigurationKeyName("server_groups")]
    public int ServerGroups { get; set; } = 10;

    [ConfigurationKeyName("server_group_members")]
    public int ServerGroupMembers { get; set; } = 10;

    public int Volumes { get; set; } = 10;

    public int Gigabytes { get; set; } = 1000;

    public int Snapshots { get; set; } = 10;

    public int Backups { get; set; } = 10;

    [ConfigurationKeyName("backup_gigabytes")]
    public int BackupGigabytes { get; set; } = 1000;

    /// <summary>The largest volume a project may create or extend to, in GiB (-1: no limit, as Cinder's default).</summary>
    [ConfigurationKeyName("per_volume_gigabytes")]
    public int PerVolumeGigabytes { get; set; } = -1;

    /// <summary>Cinder's generic volume groups (kept and shown; the gateway serves no groups API, so nothing counts against it).</summary>
    public int Groups { get; set; } = 10;

    // The central Neutron's, at Neutron's defaults.
    public int Network { get; set; } = 100;

    public int Subnet { get; set; } = 100;

    public int Port { get; set; } = 500;

    [ConfigurationKeyName("security_group")]
    public int SecurityGroup { get; set; } = 10;

    [ConfigurationKeyName("security_group_rule")]
    public int SecurityGroupRule { get; set; } = 100;

    public int Router { get; set; } = 10;

    public int Floatingip { get; set; } = 50;

    /// <summary>
    /// The defaults by resource name, as the quota APIs name them: the initial values of the
    /// <c>default</c> quota class (which an admin may change through os-quota-class-sets).
    /// </summary>
    public IReadOnlyDictionary<string, long> Defaults() => new Dictionary<string, long>(StringComparer.Ordinal)
    {
        [QuotaResources.Instances] = Instances,
        [QuotaResources.Cores] = Cores,
        [QuotaResources.Ram] = Ram,
        [QuotaResources.KeyPairs] = KeyPairs,
        [QuotaResources.MetadataItems] = MetadataItems,
        [QuotaResources.ServerGroups] = ServerGroups,
        [QuotaResources.ServerGroupMembers] = ServerGroupMembers,

        // Nova's, kept and shown at the values of Nova's default class (nothing uses them since nova-network and personality files went).
        ["injected_files"] = 5,
        ["injected_file_content_bytes"] = 10240,
        ["injected_file_path_bytes"] = 255,
        ["fixed_ips"] = -1,
        ["floating_ips"] = 10,
        ["security_groups"] = 10,
        ["security_group_rules"] = 20,
        [QuotaResources.Groups] = Groups,
        [QuotaResources.Volumes] = Volumes,
        [QuotaResources.Gigabytes] = Gigabytes,
        [QuotaResources.Snapshots] = Snapshots,
        [QuotaResources.Backups] = Backups,
        [QuotaResources.BackupGigabytes] = BackupGigabytes,
        [QuotaResources.PerVolumeGigabytes] = PerVolumeGigabytes,
        [QuotaResources.Network] = Network,
        [QuotaResources.Subnet] = Subnet,
        [QuotaResources.Port] = Port,
        [QuotaResources.SecurityGroup] = SecurityGroup,
        [QuotaResources.SecurityGroupRule] = SecurityGroupRule,
        [QuotaResources.Router] = Router,
        [QuotaResources.Floatingip] = Floatingip,
    };

    /// <summary>
    /// The most servers one create makes (<c>max_count</c>), whatever the instance quota: a
    /// project with unlimited instances asking for 2^31-1 would otherwise have the gateway try.
    /// </summary>
    [ConfigurationKeyName("max_servers_per_request")]
    public int MaxServersPerRequest { get; set; } = 100;

    public IEnumerable<string> Problems() =>
        Defaults().Where(d => d.Value < -1).Select(d => $"[{Section}] {d.Key}: {d.Value} is below -1 (-1 means unlimited)")
            .Concat(MaxServersPerRequest is < 1 or > 10000 ? [$"[{Section}] max_servers_per_request: {MaxServersPerRequest} is outside 1..10000"] : []);
}

/// <summary>The resources with central quotas.</summary>
internal static class QuotaResources
{
    /// <summary>The quota class whose limits a project without its own has.</summary>
    public const string DefaultClass = "default";

    public const string Instances = "instances";
    public const string Cores = "cores";
    public const string Ram = "ram";
    public const string KeyPairs = "key_pairs";
    public const string MetadataItems = "metadata_items";
    public const string ServerGroups = "server_groups";
    public const string ServerGroupMembers = "server_group_members";
    public const string Groups = "groups";
    public const string Volumes = "volumes";
    public const string Gigabytes = "gigabytes";
    public const string Snapshots = "snapshots";
    public const string PerVolumeGigabytes = "per_volume_gigabytes";
    public const string Backups = "backups";
    public const string BackupGigabytes = "backup_gigabytes";

    // Neutron's names (singular, as its quota API has them); counted, not allocated: see NetworkQuotas.
    public const string Network = "network";
    public const string Subnet = "subnet";
    public const string Port = "port";
    public const string SecurityGroup = "security_group";
    public const string SecurityGroupRule = "security_group_rule";
    public const string Router = "router";
    public const string Floatingip = "floatingip";

    /// <summary>The central Neutron's quota resources, in the order its quota API shows them.</summary>
    public static readonly IReadOnlyList<string> NetworkResources = [Network, Subnet, Port, SecurityGroup, SecurityGroupRule, Router, Floatingip];
}
