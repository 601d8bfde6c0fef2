using System.Data.Common;

namespace Tricircle.Data;

/// <summary>
/// More work for a store to do in the transaction of its own write: what must exist exactly when
/// the write does (the jobs that carry a central change to the pods), without the store knowing
/// what it is.
/// </summary>
internal delegate Task InTransaction(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken);

/// <summary>Putting several <see cref="InTransaction"/> in one transaction.</summary>
internal static class InTransactions
{
    /// <summary><paramref name="first"/>, then <paramref name="next"/> (if any), in the same transaction.</summary>
    public static InTransaction Then(this InTransaction first, InTransaction? next) => next is null ? first : async (connection, transaction, cancellationToken) =>
    {
        await first(connection, transaction, cancellationToken);
        await next(connection, transaction, cancellationToken);
    };
}
