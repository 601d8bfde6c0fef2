using Tricircle.Hosting;

namespace Tricircle.Network;

/// <summary>
/// Registers the central Neutron: <c>[network]</c>, its stores (networks, subnets, ports,
/// security groups, routers, floating IPs, QoS policies, deletion marks, quotas), and the copies of its resources in the pods.
/// </summary>
internal static class NetworkServiceCollectionExtensions
{
    public static IServiceCollection AddNetwork(this IServiceCollection services)
    {
        services.AddSectionOptions<NetworkOptions>(NetworkOptions.Section);
        services.AddSingleton<PodNetworks>();
        services.AddSingleton<NetworkPlaces>();
        services.AddSingleton<ExternalHomes>();
        services.AddSingleton<ExternalCopies>();
        services.AddSingleton<ExternalNetworks>();
        services.AddSingleton<ExternalFlips>();
        services.AddSingleton<CentralNameCache>();
        services.AddSingleton<CentralPorts>();
        services.AddSingleton<NetworkStore>();
        services.AddSingleton<SubnetStore>();
        services.AddSingleton<SubnetPoolStore>();
        services.AddSingleton<AddressScopeStore>();
        services.AddSingleton<FreeAddressHints>();
        services.AddSingleton<PortStore>();
        services.AddSingleton<NetworkQuotas>();
        services.AddSingleton<SecurityGroupStore>();
        services.AddSingleton<RouterStore>();
        services.AddSingleton<RouterInterfaces>();
        services.AddSingleton<RouterGateways>();
        services.AddSingleton<BridgeNetworks>();
        services.AddSingleton<RouterCopies>();
        services.AddSingleton<FloatingIpCopies>();
        services.AddSingleton<ShadowPortNeeds>();
        services.AddSingleton<ShadowPorts>();
        services.AddSingleton<ShadowPortSyncs>();
        services.AddSingleton<FloatingIpStore>();
        services.AddSingleton<FloatingIpChanges>();
        services.AddSingleton<TrunkStore>();
        services.AddSingleton<TrunkCopies>();
        services.AddSingleton<TrunkChanges>();
        services.AddSingleton<DeletingMarks>();
        services.AddSingleton<NetworkPropagation>();
        services.AddSingleton<QosStore>();
        services.AddSingleton<QosPropagation>();
        return services;
    }
}
