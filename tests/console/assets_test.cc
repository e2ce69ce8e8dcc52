// The console's pages: web/dist as built into the binary, or a development
// folder; client-side routes; nothing outside the folder.
#include "console/assets.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "support/files.h"

namespace mandate::console {
namespace {

using mandate::testing::TempDir;
using mandate::testing::write_file;

TEST(Assets, TheBuiltInPagesHoldIndexHtml) {
  const Assets assets = Assets::built_in();
  EXPECT_GE(assets.file_count(), 1u);
  const auto index = assets.find("");
  ASSERT_TRUE(index);
  EXPECT_EQ(index->content_type, "text/html; charset=utf-8");
  EXPECT_EQ(index->cache_control, "no-store");
  EXPECT_NE(index->body.find("<html"), std::string::npos);
  EXPECT_EQ(assets.find("index.html")->body, index->body);
}

TEST(Assets, PathsWithoutADotAreClientSideRoutesToIndexHtml) {
  const Assets assets = Assets::built_in();
  const auto index = assets.find("index.html");
  for (const char* route : {"tasks", "tasks/t-1", "audit/trace/t-1"}) {
    const auto page = assets.page(route);
    ASSERT_TRUE(page) << route;
    EXPECT_EQ(page->body, index->body) << route;
  }
  EXPECT_FALSE(assets.page("missing.js"));
  EXPECT_FALSE(assets.page("assets/missing-3f2a.css"));
}

class DevelopmentFolder : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(tmp / "dist" / "assets");
    write_file(tmp / "dist" / "index.html", "<!doctype html><title>dev</title>");
    write_file(tmp / "dist" / "assets" / "app-3f2a.js", "console.log(1)");
    write_file(tmp / "dist" / "logo.svg", "<svg/>");
    write_file(tmp / "dist" / ".env", "SECRET=1");
    write_file(tmp / "secret.txt", "outside");
  }
  TempDir tmp;
};

TEST_F(DevelopmentFolder, FilesAreServedWithTheirTypeAndCaching) {
  const Assets assets = Assets::from_directory(tmp / "dist");
  const auto js = assets.find("assets/app-3f2a.js");
  ASSERT_TRUE(js);
  EXPECT_EQ(js->body, "console.log(1)");
  EXPECT_EQ(js->content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(js->cache_control, "public, max-age=31536000, immutable");
  const auto svg = assets.find("logo.svg");
  ASSERT_TRUE(svg);
  EXPECT_EQ(svg->content_type, "image/svg+xml");
  EXPECT_EQ(svg->cache_control, "no-cache");
  EXPECT_EQ(assets.page("tasks/t-1")->body, "<!doctype html><title>dev</title>");
}

TEST_F(DevelopmentFolder, NothingOutsideTheFolderOrHiddenIsServed) {
  const Assets assets = Assets::from_directory(tmp / "dist");
  for (const char* path : {"../secret.txt", "assets/../../secret.txt", ".env", "./index.html", "assets//app-3f2a.js",
                           "assets\\app-3f2a.js", "/etc/passwd"}) {
    EXPECT_FALSE(assets.find(path)) << path;
  }
  EXPECT_FALSE(assets.page("../secret.txt"));
}

TEST_F(DevelopmentFolder, AFolderThatIsNotThereIsRefused) {
  EXPECT_THROW(Assets::from_directory(tmp / "nope"), Error);
}

TEST(ContentTypes, ByExtension) {
  const std::pair<const char*, const char*> types[] = {
      {"a/b.css", "text/css; charset=utf-8"},   {"x.woff2", "font/woff2"},
      {"x.map", "application/json"},            {"noext", "application/octet-stream"},
      {"dir.js/file", "application/octet-stream"},
  };
  for (const auto& [path, type] : types) EXPECT_EQ(content_type_of(path), type) << path;
}

}  // namespace
}  // namespace mandate::console
