using System.Net;
using System.Text.Json;

namespace Tricircle.Support;

/// <summary>A response read whole: status, headers and the JSON body (if any).</summary>
public sealed record ApiResponse(HttpStatusCode Status, HttpResponseMessage Message, string Text)
{
    public JsonElement Json => JsonDocument.Parse(Text).RootElement;

    public static async Task<ApiResponse> SendAsync(HttpClient http, HttpRequestMessage request)
    {
        using (request)
        {
            var response = await http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            return new ApiResponse(response.StatusCode, response, text);
        }
    }

    /// <summary>Asserts a Nova-style error <c>{"type": {"message", "code"}}</c> and returns the message.</summary>
    public string AssertError(HttpStatusCode status, string type)
    {
        Assert.True(Status == status, $"expected {(int)status}, got {(int)Status}: {Text}");
        Assert.StartsWith("application/json", Message.Content.Headers.ContentType?.MediaType ?? "", StringComparison.Ordinal);
        var error = Json.GetProperty(type);
        Assert.Equal((int)status, error.GetProperty("code").GetInt32());
        return error.GetProperty("message").GetString()!;
    }

    /// <summary>Asserts Neutron's error <c>{"NeutronError": {"type", "message", "detail"}}</c> and returns the message.</summary>
    public string AssertNeutronError(HttpStatusCode status, string type)
    {
        Assert.True(Status == status, $"expected {(int)status}, got {(int)Status}: {Text}");
        var error = Json.GetProperty("NeutronError");
        Assert.Equal(type, error.GetProperty("type").GetString());
        return error.GetProperty("message").GetString()!;
    }

    public void AssertOk()
    {
        Assert.True(Status == HttpStatusCode.OK, $"expected 200, got {(int)Status}: {Text}");
    }
}
