using System.Data.Common;

namespace Tricircle.Data;

/// <summary>
/// More work for a store to do in the transaction of its own write: what must exist exactly when
/// the write does (the jobs that carry a central change to the pods), without the store knowing
/// what it is.
/// </summary>
internal delegate Task InTransaction(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken);

internal static class InTransactions
{
    /// <summary>Both, one after the other, in the same transaction.</summary>
    public static InTransaction Then(this InTransaction first, InTransaction? next) => next is null ? first : async (connection, tx, cancellationToken) =>
    {
        await first(connection, tx, cancellationToken);
        await next(connection, tx, cancellationToken);
    };
}
