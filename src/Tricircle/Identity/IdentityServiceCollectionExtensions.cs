using Microsoft.Extensions.Options;
using Tricircle.Hosting;

namespace Tricircle.Identity;

/// <summary>Registers Keystone token validation: <c>[keystone_authtoken]</c> and its HTTP client.</summary>
internal static class IdentityServiceCollectionExtensions
{
    public static IServiceCollection AddIdentity(this IServiceCollection services)
    {
        services.AddSectionOptions<KeystoneAuthOptions>(KeystoneAuthOptions.Section);
        services.AddHttpClient(KeystoneTokenValidator.HttpClientName, (sp, http) =>
            http.Timeout = TimeSpan.FromSeconds(sp.GetRequiredService<IOptions<KeystoneAuthOptions>>().Value.HttpConnectTimeout));
        services.AddSingleton<KeystoneTokenValidator>();
        return services;
    }
}
