using Tricircle.Hosting;

namespace Tricircle.Image;

/// <summary>Registers the Glance gateway's services: <c>[image]</c>, the central Glance and the copies of images into pods.</summary>
internal static class ImageServiceCollectionExtensions
{
    public static IServiceCollection AddImage(this IServiceCollection services)
    {
        services.AddSectionOptions<ImageOptions>(ImageOptions.Section);
        services.AddSingleton<CentralGlance>();
        services.AddSingleton<ImageSync>();
        return services;
    }
}
