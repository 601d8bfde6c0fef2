namespace Tricircle.Emulator.Identity;

/// <summary>An emulated Keystone v3 (placeholder until the emulator lands).</summary>
public sealed class KeystoneEmulator
{
}
