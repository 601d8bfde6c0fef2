namespace Tricircle.Emulator.Regions;

/// <summary>The four services of an emulated region and the error shape each answers in.</summary>
internal enum ServiceKind
{
    Compute,
    Network,
    Volume,
    Image,
}
