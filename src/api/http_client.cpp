// Adapter over Boost.Beast. Operations are asynchronous under the hood, run to
// completion on a private io_context, because only async operations honour
// beast::tcp_stream's timeouts.
#include <utility>

#include "api/http_client.h"

#include <algorithm>
#include <limits>

#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <fmt/format.h>

namespace strata::api {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

}  // namespace

class HttpClient::Impl {
 public:
  Impl(std::string url, std::string host, std::string port)
      : url_(std::move(url)), host_(std::move(host)), port_(std::move(port)), stream_(ioc_) {}

  Result<Response> Send(const Request& request, const std::function<bool(std::string_view)>& on_chunk) {
    bool reused = connected_;
    if (!connected_) STRATA_RETURN_IF_ERROR(Connect());
    bool response_started = false;
    auto result = Exchange(request, on_chunk, &response_started);
    if (!result.ok() && reused && !response_started) {
      // The server may have closed the idle connection: reconnect once.
      Close();
      STRATA_RETURN_IF_ERROR(Connect());
      result = Exchange(request, on_chunk, &response_started);
    }
    if (!result.ok()) Close();
    return result;
  }

  std::chrono::seconds read_timeout_{600};

 private:
  template <typename Start>
  beast::error_code Run(Start start) {
    beast::error_code result = asio::error::would_block;
    ioc_.restart();
    start([&result](beast::error_code ec, auto&&...) { result = ec; });
    ioc_.run();
    return result;
  }

  Status Connect() {
    tcp::resolver resolver(ioc_);
    beast::error_code ec;
    auto endpoints = resolver.resolve(host_, port_, ec);
    if (ec) return UnavailableError(fmt::format("cannot resolve {}: {}", url_, ec.message()));
    stream_.expires_after(std::chrono::seconds(10));
    ec = Run([&](auto handler) {
      stream_.async_connect(endpoints, [handler](beast::error_code e, const tcp::endpoint&) mutable { handler(e); });
    });
    if (ec) {
      std::string why = ec == beast::error::timeout ? "timed out" : ec.message();
      return UnavailableError(fmt::format("cannot connect to {}: {}", url_, why));
    }
    beast::error_code ignored;
    stream_.socket().set_option(tcp::no_delay(true), ignored);
    connected_ = true;
    buffer_.clear();
    return Status::Ok();
  }

  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.socket().close(ec);
    connected_ = false;
  }

  Status Failure(std::string_view what, beast::error_code ec) {
    std::string why = ec == beast::error::timeout ? "timed out" : ec.message();
    return UnavailableError(fmt::format("{} {}: {}", what, url_, why));
  }

  template <typename Body>
  void SetHeaders(http::request<Body>& req, const Request& request) {
    if (req.method() == http::verb::unknown) req.method_string(request.method);
    req.set(http::field::host, host_ + ":" + port_);
    req.set(http::field::user_agent, "strata/" + std::string(core::Version()));
    for (const auto& [k, v] : request.headers) req.set(k, v);
    req.keep_alive(true);
  }

  beast::error_code WriteStringBody(const Request& request) {
    http::request<http::string_body> req{http::string_to_verb(request.method), request.target, 11};
    SetHeaders(req, request);
    req.body() = request.body;
    req.prepare_payload();
    stream_.expires_after(std::chrono::seconds(60));
    return Run([&](auto handler) { http::async_write(stream_, req, handler); });
  }

  // Streams a file as the body, piece by piece, reporting progress.
  beast::error_code WriteFileBody(const Request& request) {
    http::request<http::file_body> req{http::string_to_verb(request.method), request.target, 11};
    SetHeaders(req, request);
    beast::error_code ec;
    req.body().open(request.body_file.c_str(), beast::file_mode::scan, ec);
    if (ec) return ec;
    uint64_t total = req.body().size();
    req.prepare_payload();
    http::request_serializer<http::file_body> sr(req);
    uint64_t sent = 0;
    while (!sr.is_done()) {
      stream_.expires_after(std::chrono::seconds(60));
      size_t n = 0;
      ec = Run([&](auto handler) {
        http::async_write_some(stream_, sr, [handler, &n](beast::error_code e, size_t bytes) mutable {
          n = bytes;
          handler(e);
        });
      });
      if (ec) return ec;
      sent += n;
      if (request.progress) request.progress(std::min(sent, total), total);
    }
    return ec;
  }

  Result<Response> Exchange(const Request& request, const std::function<bool(std::string_view)>& on_chunk,
                            bool* response_started) {
    beast::error_code ec = request.body_file.empty() ? WriteStringBody(request) : WriteFileBody(request);
    if (ec) return Failure("cannot send to", ec);

    Response out;
    http::response_parser<http::buffer_body> parser;
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    if (on_chunk) stream_.expires_never();
    else stream_.expires_after(read_timeout_);
    ec = Run([&](auto handler) { http::async_read_header(stream_, buffer_, parser, handler); });
    if (ec) return Failure("no response from", ec);
    *response_started = true;
    const auto& h = parser.get();
    out.status = static_cast<int>(h.result_int());
    out.content_type = std::string(h[http::field::content_type]);
    for (const auto& f : h) out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    bool keep_alive = h.keep_alive();

    char chunk[64 * 1024];
    bool stopped = false;
    while (!parser.is_done()) {
      parser.get().body().data = chunk;
      parser.get().body().size = sizeof chunk;
      if (!on_chunk) stream_.expires_after(read_timeout_);
      ec = Run([&](auto handler) { http::async_read_some(stream_, buffer_, parser, handler); });
      if (ec == http::error::need_buffer) ec = {};
      if (ec) return Failure("response cut short from", ec);
      size_t n = sizeof chunk - parser.get().body().size;
      if (n == 0) continue;
      std::string_view data(chunk, n);
      if (on_chunk && out.status < 400) {
        if (!on_chunk(data)) {
          stopped = true;
          break;
        }
      } else {
        out.body.append(data);
      }
    }
    if (stopped || !keep_alive) Close();
    return out;
  }

  std::string url_, host_, port_;
  asio::io_context ioc_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  bool connected_ = false;
};

Result<HttpClient> HttpClient::Create(std::string_view base_url) {
  constexpr std::string_view kScheme = "http://";
  std::string url(base_url);
  while (!url.empty() && url.back() == '/') url.pop_back();
  if (url.compare(0, kScheme.size(), kScheme) != 0) {
    return InvalidArgumentError(fmt::format("server URL '{}' must start with http://", base_url));
  }
  std::string hostport = url.substr(kScheme.size());
  if (hostport.empty() || hostport.find('/') != std::string::npos) {
    return InvalidArgumentError(fmt::format("server URL '{}' must be http://host[:port]", base_url));
  }
  std::string host = hostport, port = "80";
  if (auto colon = hostport.rfind(':'); colon != std::string::npos) {
    host = hostport.substr(0, colon);
    port = hostport.substr(colon + 1);
    if (port.empty() || port.find_first_not_of("0123456789") != std::string::npos || port.size() > 5) {
      return InvalidArgumentError(fmt::format("server URL '{}' has an invalid port", base_url));
    }
  }
  if (host.empty()) return InvalidArgumentError(fmt::format("server URL '{}' has no host", base_url));
  return HttpClient(std::make_unique<Impl>(url, host, port));
}

HttpClient::HttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;
HttpClient::~HttpClient() = default;

Result<Response> HttpClient::Send(const Request& request, const std::function<bool(std::string_view)>& on_chunk) {
  return impl_->Send(request, on_chunk);
}

void HttpClient::set_read_timeout(std::chrono::seconds timeout) { impl_->read_timeout_ = timeout; }

}  // namespace strata::api
