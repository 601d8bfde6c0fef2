namespace Tricircle.Lab;

/// <summary>
/// A test against real OpenStack regions (the lab, lab/README.md). Skipped when
/// <c>TRICIRCLE_LAB_AUTH_URL</c> is not set, so the fast suite passes on a machine without a lab;
/// the lab stage (lab/run-conformance.sh) always sets it, so there a missing lab is a failure, not
/// a skip (and that script also counts any skip as a failure).
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class LabFactAttribute : FactAttribute
{
    public LabFactAttribute()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(LabCloud.Prefix + "AUTH_URL")))
        {
            Skip = $"needs a lab: set {LabCloud.Prefix}AUTH_URL (lab/lab.sh env), or run lab/run-conformance.sh";
        }
    }
}
