using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace Tricircle.Emulator.Regions.Image;

/// <summary>
/// The region's Glance: images with their bytes in memory, one lock. The contract members
/// (<see cref="FindImage"/>, <see cref="CreateImage"/>) are what the region's Nova and Cinder call.
/// </summary>
internal sealed class GlanceState
{
    public static readonly string[] DiskFormats = ["ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2", "vdi", "iso", "ploop"];

    public static readonly string[] ContainerFormats = ["ami", "ari", "aki", "bare", "ovf", "ova", "docker", "compressed"];

    public static readonly string[] Visibilities = ["public", "private", "shared", "community"];

    private readonly Lock _lock = new();
    private readonly Dictionary<string, GlanceImage> _images = new(StringComparer.Ordinal);

    public GlanceState(RegionContext region)
    {
        Region = region;
        var now = region.Time.GetUtcNow();
        var cirros = new GlanceImage(RegionContext.NewId(), region.Keystone.FindProjectId("admin") ?? "", now)
        {
            Name = "cirros",
            Visibility = "public",
            ContainerFormat = "bare",
            DiskFormat = "qcow2",
        };
        var payload = new byte[1024];
        for (var i = 0; i < payload.Length; i++)
        {
            payload[i] = (byte)((i * 31) + 7);
        }

        cirros.SetData(payload, now);
        _images[cirros.Id] = cirros;
    }

    public RegionContext Region { get; }

    public Lock Sync => _lock;

    /// <summary>An image the project may use (its own, public, shared or community), or null.</summary>
    public ImageInfo? FindImage(string imageId, string projectId, bool isAdmin)
    {
        lock (_lock)
        {
            return _images.TryGetValue(imageId, out var image) && image.VisibleTo(projectId, isAdmin) ? image.Info() : null;
        }
    }

    /// <summary>Nova createImage / Cinder os-volume_upload_image: a new image owned by the project, active at once.</summary>
    public ImageInfo CreateImage(string projectId, string name, IReadOnlyDictionary<string, string> properties, long size, string diskFormat, string containerFormat)
    {
        ArgumentNullException.ThrowIfNull(properties);
        var now = Region.Time.GetUtcNow();
        var image = new GlanceImage(RegionContext.NewId(), projectId, now)
        {
            Name = name,
            Visibility = "private", // Nova snapshots and Cinder uploads are private
            DiskFormat = diskFormat,
            ContainerFormat = containerFormat,
        };
        foreach (var (key, value) in properties)
        {
            image.Properties[key] = value;
        }

        // The bytes are not kept (a snapshot of a disk); size and hashes describe zero-filled data of that size.
        image.SetData(new byte[Math.Clamp(size, 0, 1024 * 1024)], now);
        image.Size = size;
        lock (_lock)
        {
            _images[image.Id] = image;
            return image.Info();
        }
    }

    /// <summary>What Cinder copies into a volume made from the image (<c>volume_image_metadata</c>): core attributes as strings and custom properties.</summary>
    public SortedDictionary<string, string> VolumeImageMetadata(string imageId)
    {
        var metadata = new SortedDictionary<string, string>(StringComparer.Ordinal);
        lock (_lock)
        {
            if (!_images.TryGetValue(imageId, out var image))
            {
                return metadata;
            }

            foreach (var (key, value) in image.Properties)
            {
                metadata[key] = value;
            }

            metadata["image_id"] = image.Id;
            metadata["image_name"] = image.Name ?? "";
            metadata["checksum"] = image.Checksum ?? "";
            metadata["container_format"] = image.ContainerFormat ?? "";
            metadata["disk_format"] = image.DiskFormat ?? "";
            metadata["min_disk"] = image.MinDisk.ToString(System.Globalization.CultureInfo.InvariantCulture);
            metadata["min_ram"] = image.MinRam.ToString(System.Globalization.CultureInfo.InvariantCulture);
            metadata["size"] = (image.Size ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture);
            metadata["signature_verified"] = "False";
        }

        return metadata;
    }

    /// <summary>Admin inspection: images.</summary>
    public JsonArray? Inspect(string collection)
    {
        if (collection != "images")
        {
            return null;
        }

        lock (_lock)
        {
            return new JsonArray([.. _images.Values.OrderBy(i => i.CreatedAt).ThenBy(i => i.Id, StringComparer.Ordinal).Select(i => (JsonNode)i.ToJson())]);
        }
    }

    // The API works on the store under Sync.
    public IEnumerable<GlanceImage> All => _images.Values;

    public GlanceImage? Get(string id) => _images.GetValueOrDefault(id);

    public bool Contains(string id) => _images.ContainsKey(id);

    public void Add(GlanceImage image) => _images[image.Id] = image;

    public void Remove(string id) => _images.Remove(id);
}

/// <summary>One Glance image (mutable; guarded by the store's lock).</summary>
internal sealed class GlanceImage(string id, string owner, DateTimeOffset createdAt)
{
    public string Id { get; } = id;

    public string? Name { get; set; }

    public string Status { get; set; } = "queued";

    public string Visibility { get; set; } = "shared";

    public string Owner { get; set; } = owner;

    public string? ContainerFormat { get; set; }

    public string? DiskFormat { get; set; }

    public int MinDisk { get; set; }

    public int MinRam { get; set; }

    public bool Protected { get; set; }

    public bool Hidden { get; set; }

    public List<string> Tags { get; } = [];

    public SortedDictionary<string, string> Properties { get; } = new(StringComparer.Ordinal);

    public byte[]? Data { get; private set; }

    public long? Size { get; set; }

    public string? Checksum { get; private set; }

    public string? HashValue { get; private set; }

    public DateTimeOffset CreatedAt { get; } = createdAt;

    public DateTimeOffset UpdatedAt { get; set; } = createdAt;

    public bool VisibleTo(string projectId, bool isAdmin) =>
        isAdmin || Owner == projectId || Visibility is "public" or "community";

    [SuppressMessage("Security", "CA5351:Do Not Use Broken Cryptographic Algorithms", Justification = "Glance's checksum is an MD5 by definition.")]
    public void SetData(byte[] data, DateTimeOffset now)
    {
        Data = data;
        Size = data.LongLength;
        Checksum = Convert.ToHexStringLower(MD5.HashData(data));
        HashValue = Convert.ToHexStringLower(SHA512.HashData(data));
        Status = "active";
        UpdatedAt = now;
    }

    public ImageInfo Info() => new(Id, Name ?? "", Status, Size ?? 0, MinDisk, MinRam, Owner, Visibility);

    /// <summary>The image as Glance v2 shows it: core attributes (null when unset) and custom properties as top-level keys.</summary>
    public JsonObject ToJson()
    {
        var json = new JsonObject();
        foreach (var (key, value) in Properties)
        {
            json[key] = value;
        }

        json["id"] = Id;
        json["name"] = Name;
        json["status"] = Status;
        json["visibility"] = Visibility;
        json["protected"] = Protected;
        json["os_hidden"] = Hidden;
        json["checksum"] = Checksum;
        json["os_hash_algo"] = Checksum is null ? null : "sha512";
        json["os_hash_value"] = HashValue;
        json["owner"] = Owner;
        json["size"] = Size;
        json["virtual_size"] = null;
        json["min_ram"] = MinRam;
        json["min_disk"] = MinDisk;
        json["container_format"] = ContainerFormat;
        json["disk_format"] = DiskFormat;
        json["created_at"] = RegionHttp.Timestamp(CreatedAt);
        json["updated_at"] = RegionHttp.Timestamp(UpdatedAt);
        json["tags"] = new JsonArray([.. Tags.Select(t => (JsonNode)t)]);
        json["self"] = $"/v2/images/{Id}";
        json["file"] = $"/v2/images/{Id}/file";
        json["schema"] = "/v2/schemas/image";
        return json;
    }
}

internal sealed record ImageInfo(string Id, string Name, string Status, long Size, int MinDisk, int MinRam, string OwnerId, string Visibility);
